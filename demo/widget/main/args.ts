/** The widget's command line (`electron dist/demo/widget --broker ws://… [--dashboard http://…] [--no-listen]`). */
import { parseArgs } from 'node:util';
import { parseConfig } from '../api.js';
import type { WidgetConfig } from '../api.js';

export const WIDGET_USAGE =
  'usage: widget [--broker ws://127.0.0.1:8080/] [--dashboard http://127.0.0.1:8080/] [--no-listen]';

/**
 * @param args the arguments after the app's own (Electron passes its binary and the app folder first)
 * @throws GruStreamError E_ARGUMENT for a URL of the wrong kind; TypeError (node:util) for an unknown option
 */
export function parseWidgetArgs(args: string[]): WidgetConfig {
  const { values } = parseArgs({
    args,
    options: {
      broker: { type: 'string', default: 'ws://127.0.0.1:8080/' },
      dashboard: { type: 'string' },
      'no-listen': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  // The IoT demo serves its dashboard and MQTT-over-WebSocket on one port.
  const dashboard = values.dashboard ?? values.broker.replace(/^ws(s?):/, 'http$1:');
  return parseConfig({ brokerUrl: values.broker, dashboardUrl: dashboard, listening: !values['no-listen'] });
}
