// A webhook receiver that verifies each delivery's signature (README.md#webhooks).
//   npm install standardwebhooks
//   WEBHOOK_SECRET=whsec_… PORT=3000 node webhook-receiver.mjs
// It prints each change once, as JSON on a line of its own, and answers 204; a delivery whose
// signature does not verify gets 401 (and is tried again, so a wrong secret shows up as a
// failing destination, never as lost changes).
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const hook = new Webhook(process.env.WEBHOOK_SECRET);
// Delivery is at least once: a change may come again, always with the same webhook-id. Keep the
// ids you handled where you keep the effect (here in memory, for the example).
const handled = new Set();

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    let change;
    try {
      change = hook.verify(body, req.headers); // throws unless signed with the secret, recently
    } catch {
      res.writeHead(401).end('signature does not verify');
      return;
    }
    const id = req.headers['webhook-id'];
    if (!handled.has(id)) {
      handled.add(id);
      // Your work here: update the CRM, invalidate a cache, notify a channel…
      console.log(JSON.stringify(change));
    }
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.error(`receiving webhooks on http://127.0.0.1:${server.address().port}/`),
);
