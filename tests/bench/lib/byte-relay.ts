/**
 * Bytes over the wire, counted the same way for both peers: a loopback TCP relay in front
 * of a server that counts every payload byte each way (HTTP headers, bodies as sent —
 * compressed or not —, chunk framing, event streams). The device talks only to the relay;
 * the relay costs both peers the same extra loopback hop.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface WireBytes {
  /** Server → device. */
  down: number;
  /** Device → server. */
  up: number;
}

export interface ByteRelay {
  url: string;
  port: number;
  /** Totals since the relay started; subtract two readings for a phase. */
  bytes(): WireBytes;
  close(): Promise<void>;
}

export const bytesBetween = (before: WireBytes, after: WireBytes): WireBytes => ({
  down: after.down - before.down,
  up: after.up - before.up,
});

/** Relays 127.0.0.1:<new port> to 127.0.0.1:`targetPort`, counting. */
export async function startByteRelay(targetPort: number): Promise<ByteRelay> {
  const totals: WireBytes = { down: 0, up: 0 };
  const open = new Set<Socket>();
  const server = createServer((device) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [device, upstream]) {
      // No Nagle delay on either leg: the relay must not add latency to small writes.
      s.setNoDelay(true);
      open.add(s);
      s.once('close', () => open.delete(s));
    }
    device.on('data', (chunk: Buffer) => {
      totals.up += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      totals.down += chunk.length;
    });
    device.pipe(upstream);
    upstream.pipe(device);
    // A refused or reset upstream (server restarting) resets the device's connection too.
    upstream.once('error', () => device.destroy());
    device.once('error', () => upstream.destroy());
    device.once('close', () => upstream.destroy());
    upstream.once('close', () => device.end());
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    bytes: () => ({ ...totals }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
