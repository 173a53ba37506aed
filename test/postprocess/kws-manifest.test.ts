/**
 * `kwsDetectorOptionsFromManifest` takes the step timing from whatever the manifest says of its front
 * end — log-mel features, speech-embedding features, or a `postprocess.frontEnd` block — so no caller
 * passes hopMs/windowMs by hand, and a detector block that contradicts it is refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { speechEmbeddingFeatures } from '../../src/model/manifest.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import { kwsDetectorOptionsFromManifest } from '../../src/postprocess/kws-manifest.js';

type Parts = Pick<ModelManifest, 'labels' | 'features' | 'postprocess'>;
const labels = ['silence', 'unknown', 'yes'];
const detector = { smoothingFrames: 4, threshold: 0.9, suppressionMs: 500 };

describe('kwsDetectorOptionsFromManifest', () => {
  it('log-mel features: their hop and window', () => {
    const m: Parts = {
      labels,
      features: { kind: 'log-mel', sampleRate: 16000, windowMs: 25, hopMs: 10, melBins: 40 },
      postprocess: { detector },
    };
    expect(kwsDetectorOptionsFromManifest(m)).toEqual({ labels, ...detector, hopMs: 10, windowMs: 25 });
  });

  it('speech-embedding features: 80 ms steps, each having heard 75 × 10 + 32 = 782 ms', () => {
    const m: Parts = {
      labels,
      features: speechEmbeddingFeatures('e.tflite', '0'),
      postprocess: { detector },
    };
    expect(kwsDetectorOptionsFromManifest(m)).toMatchObject({ hopMs: 80, windowMs: 782 });
  });

  it("a 'raw' head with a postprocess.frontEnd block of kind speech-embedding: the block's timing", () => {
    const m: Parts = {
      labels,
      features: { kind: 'raw', description: 'speech embedding' },
      postprocess: { detector, frontEnd: { kind: 'speech-embedding', hopMs: 80, windowMs: 782 } },
    };
    expect(kwsDetectorOptionsFromManifest(m)).toMatchObject({ hopMs: 80, windowMs: 782 });
  });

  it("the detector's own hopMs/windowMs must agree with the front end's, or stand alone", () => {
    const features = speechEmbeddingFeatures('e.tflite', '0');
    const agreeing: Parts = {
      labels,
      features,
      postprocess: { detector: { ...detector, hopMs: 80, windowMs: 782 } },
    };
    expect(kwsDetectorOptionsFromManifest(agreeing)).toMatchObject({ hopMs: 80, windowMs: 782 });
    const contradicting: Parts = {
      labels,
      features,
      postprocess: { detector: { ...detector, hopMs: 10, windowMs: 25 } },
    };
    expect(() => kwsDetectorOptionsFromManifest(contradicting)).toThrow(
      /postprocess\.detector \{ hopMs: 10, windowMs: 25 \} disagrees with features \(speech-embedding\) \{ hopMs: 80, windowMs: 782 \}/,
    );
    const alone: Parts = {
      labels,
      features: { kind: 'raw' },
      postprocess: { detector: { ...detector, hopMs: 20, windowMs: 40 } },
    };
    expect(kwsDetectorOptionsFromManifest(alone)).toMatchObject({ hopMs: 20, windowMs: 40 });
    const broken: Parts = {
      labels,
      features: { kind: 'raw' },
      postprocess: { detector, frontEnd: { kind: 'speech-embedding', hopMs: 80 } },
    };
    expect(() => kwsDetectorOptionsFromManifest(broken)).toThrow(
      /postprocess\.frontEnd\.windowMs: expected a number > 0, got undefined/,
    );
  });

  it('the shipped kws-embed head: 80 ms steps of 782 ms windows, from its manifest alone', () => {
    const m = JSON.parse(
      readFileSync('models/kws-embed/kws-embed-int8-weights-b1.json', 'utf8'),
    ) as ModelManifest;
    expect(kwsDetectorOptionsFromManifest(m)).toMatchObject({ labels: m.labels, hopMs: 80, windowMs: 782 });
  });
});
