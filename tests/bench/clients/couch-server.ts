/**
 * The PouchDB peer's server, in its own process as ours is: express-pouchdb (the CouchDB
 * HTTP API that pouchdb-server is built from) over in-memory PouchDB databases, on
 * 127.0.0.1 only. `restart` drops every connection, refuses new ones for as long as a
 * process restart takes, and listens again on the same port over the same databases: what
 * a replicating client sees of a CouchDB restarted on its unchanged files (the memory
 * adapter cannot survive a real process restart).
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import http from 'pouchdb-adapter-http';
import memory from 'pouchdb-adapter-memory';
import PouchDB from 'pouchdb-core';
import mapreduce from 'pouchdb-mapreduce';
import replication from 'pouchdb-replication';
import type { CouchServerReply, CouchServerRequest } from './messages';

const InMemoryPouch = PouchDB.plugin(memory)
  .plugin(http)
  .plugin(replication)
  .plugin(mapreduce)
  .defaults({ adapter: 'memory' });

const app = express();
app.use(expressPouchDB(InMemoryPouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));

const sockets = new Set<Socket>();
let server: Server | null = null;
let port = 0;

function reply(message: CouchServerReply): void {
  process.send?.(message);
}

function listen(): Promise<number> {
  const s = createServer(app);
  s.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server = s;
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const address = s.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** Stops accepting, cuts every open connection (live changes feeds included), listens again after `downMs`. */
async function restart(downMs: number): Promise<number> {
  const dropped = sockets.size;
  const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await listen();
  return dropped;
}

process.on('message', (raw) => {
  const message = raw as CouchServerRequest;
  switch (message.type) {
    case 'listen':
      void listen().then((p) => {
        port = p;
        reply({ type: 'listening', port });
      });
      return;
    case 'restart':
      void restart(message.downMs).then((droppedConnections) =>
        reply({ type: 'restarted', port, droppedConnections }),
      );
      return;
    case 'exit':
      process.exit(0);
  }
});
