#!/usr/bin/env bash
# Sets up the sharded cluster of deploy/docker-compose.sharded.yml; safe to run again.
set -euo pipefail

# Initiates a one-member replica set (if not yet) and waits until its member is primary.
initiate() {
  local host=$1 set=$2 configsvr=$3
  mongosh --quiet "mongodb://$host/?directConnection=true" --eval "
    try { rs.status().ok } catch (e) {
      rs.initiate({ _id: '$set', configsvr: $configsvr, members: [{ _id: 0, host: '$host' }] }).ok
    }"
  until mongosh --quiet "mongodb://$host/?directConnection=true" \
    --eval 'db.hello().isWritablePrimary' | grep -q true; do
    sleep 1
  done
}

initiate mongo-cfg:27019 cfg true
initiate mongo-shard1:27018 sh1 false
initiate mongo-shard2:27018 sh2 false

# mongos learns of the config server's primary on its own; retry until it does.
until mongosh --quiet mongodb://mongos:27017 \
  --eval 'if (db.adminCommand({ listShards: 1 }).ok !== 1) quit(1)' >/dev/null 2>&1; do
  sleep 1
done

# Shard keys: every write of the apps filters on the full key of its collection (see
# deploy/sharded-mongodb.md). projects stays unsharded (tiny; unique api_key index).
mongosh --quiet mongodb://mongos:27017 --eval "
  sh.addShard('sh1/mongo-shard1:27018');
  sh.addShard('sh2/mongo-shard2:27018');
  sh.enableSharding('groupidentify');
  sh.shardCollection('groupidentify.groups', { _id: 'hashed' });
  sh.shardCollection('groupidentify.history', { group: 'hashed' });
  sh.shardCollection('groupidentify.insert_ids', { _id: 'hashed' });
  sh.shardCollection('groupidentify.dead_letters', { _id: 'hashed' });
  print('sharded cluster ready');
"
