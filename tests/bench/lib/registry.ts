/** Every benchmark, in the order they run (cheap server-only ones first). */
import { burstNoJank } from '../burst_no_jank';
import { catchup } from '../catchup';
import { changeLatency } from '../change_latency';
import { coldBootOffline } from '../cold_boot_offline';
import { fanout1k } from '../fanout_1k';
import { fanout2x } from '../fanout_2x';
import { fanout10k } from '../fanout_10k';
import { holdBack } from '../hold_back';
import { peerPouchdb } from '../peer_pouchdb';
import { restartVerify } from '../restart_verify';
import { snapshotPersist } from '../snapshot_persist';
import { statusRps } from '../status_rps';
import { writeThroughput } from '../write_throughput';
import type { Benchmark } from './bench';

export const BENCHMARKS: Benchmark[] = [
  statusRps,
  holdBack,
  writeThroughput,
  fanout1k,
  fanout10k,
  fanout2x,
  changeLatency,
  burstNoJank,
  catchup,
  restartVerify,
  snapshotPersist,
  coldBootOffline,
  peerPouchdb,
];
