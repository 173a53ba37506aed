/**
 * gru-stream/cli: the command line as a function (Node only), see {@link runCli}, and the models it
 * uses by default (the shipped files in the package's `models/`).
 */
export { runCli } from './run.js';
export { DEFAULT_KWS_MODEL, SPEECH_EMBEDDING_DIR } from './default-models.js';
