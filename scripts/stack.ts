// `npm run stack` — the one command that will run the whole product on this machine (SPEC §7,
// DESIGN §8). The ingest and worker apps do not exist yet, so for now it only says what it will do.
const plan = [
  'start redis-server and a MongoDB wire server (FerretDB) unless REDIS_URL / MONGO_URL are given',
  'start the ingest app on PORT (default 8080) and one worker',
  'create a demo project on first run and print its keys and a ready-to-paste curl',
  'stop everything it started on Ctrl-C',
];
console.log('npm run stack is not available yet (the ingest and worker apps are the next issues).');
console.log('When they land, it will:');
for (const step of plan) console.log(`  - ${step}`);
process.exitCode = 1;
