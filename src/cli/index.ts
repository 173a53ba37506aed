/** gru-stream/cli: the command line as a function (Node only). See {@link runCli}. */
export { runCli } from './run.js';
