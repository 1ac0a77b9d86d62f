// For tests and other tools: run the CLI in-process.
export { runCli, type CliIo, EXIT_OK, EXIT_FAILED, EXIT_USAGE } from './run-cli.js';
export { loadConfig, type CliConfig } from './config.js';
