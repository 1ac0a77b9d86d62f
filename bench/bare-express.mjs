// The L_http baseline (docs/performance.md): a bare Express 5 app that reads the same bodies as ingest's
// /groupidentify (raw bytes, gunzipped, 1 MB limit) and answers `success`. Run as a child process
// with plain node, like the compiled apps it is compared with (JavaScript, so nothing to build).
import express from 'express';

const app = express();
app.disable('x-powered-by');
const body = express.raw({ type: () => true, limit: 1024 * 1024, inflate: true });
app.post('/groupidentify', body, (_req, res) => {
  res.type('text/plain').send('success');
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(JSON.stringify({ msg: 'bare listening', port }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
