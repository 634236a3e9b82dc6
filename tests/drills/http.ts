/**
 * The drill runner's view of the server: a signed-in JSON client, the drill control API
 * (server/drills, docs/DRILLS.md) and the public sync status. Answers other than the
 * expected status throw a DrillHttpError that carries the server's error body, so a drill
 * report shows exactly what the server said.
 */
import {
  type CutResponse,
  DRILL_ROUTES,
  type DrillState,
  type Fault,
  type FaultRequest,
  type RotateEpochResponse,
  type WipeResponse,
} from '../../src/shared/drills';
import { type LoginResponse, ROUTES, type Snapshot, type SyncStatus } from '../../src/shared/protocol';
import { RESOURCES, type ResourceName } from '../../src/shared/resources';

export class DrillHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
  }
}

/** Signs in with a PIN; the token is what every other call carries. */
export async function signInAt(baseUrl: string, pin: string): Promise<LoginResponse> {
  const response = await fetch(`${baseUrl}${ROUTES.login}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin }),
  });
  const body = (await response.json()) as LoginResponse;
  if (response.status !== 200) throw new DrillHttpError('POST', ROUTES.login, response.status, body);
  return body;
}

export async function syncStatusAt(baseUrl: string): Promise<SyncStatus> {
  const response = await fetch(`${baseUrl}${ROUTES.syncStatus}`);
  if (response.status !== 200)
    throw new DrillHttpError('GET', ROUTES.syncStatus, response.status, await response.text());
  return (await response.json()) as SyncStatus;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** A JSON client signed in with a bearer token. */
export class ApiSession {
  constructor(
    readonly baseUrl: string,
    public token: string,
  ) {}

  /** One request; returns status and parsed body, throws only when the server is unreachable. */
  async call<T = unknown>(method: string, path: string, options: CallOptions = {}) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the report
    }
    return { status: response.status, body: body as T };
  }

  /** A request that must answer `expected`; anything else throws with the server's answer. */
  async expect<T>(method: string, path: string, expected: number, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, { body });
    if (answer.status !== expected) throw new DrillHttpError(method, path, answer.status, answer.body);
    return answer.body;
  }

  list<R extends ResourceName>(resource: R): Promise<Snapshot<R>> {
    return this.expect<Snapshot<R>>('GET', RESOURCES[resource].collection, 200);
  }
}

/** The drill control API of a server started with RED_CORAL_DRILLS=1. */
export class DrillControl {
  constructor(readonly session: ApiSession) {}

  /** Fails with a clear message when the server is not in drill mode. */
  async state(): Promise<DrillState> {
    const answer = await this.session.call<DrillState>('GET', DRILL_ROUTES.state);
    if (answer.status === 404)
      throw new Error(
        `${this.session.baseUrl} is not in drill mode: start it with RED_CORAL_DRILLS=1 (docs/DRILLS.md)`,
      );
    if (answer.status !== 200)
      throw new DrillHttpError('GET', DRILL_ROUTES.state, answer.status, answer.body);
    return answer.body;
  }

  fault(request: FaultRequest): Promise<Fault> {
    return this.session.expect<Fault>('POST', DRILL_ROUTES.faults, 201, request);
  }

  async clear(): Promise<number> {
    return (await this.session.expect<{ cleared: number }>('DELETE', DRILL_ROUTES.faults, 200)).cleared;
  }

  async cut(client?: string): Promise<number> {
    const body = client === undefined ? {} : { client };
    return (await this.session.expect<CutResponse>('POST', DRILL_ROUTES.cut, 200, body)).cut;
  }

  rotateEpoch(): Promise<RotateEpochResponse> {
    return this.session.expect<RotateEpochResponse>('POST', DRILL_ROUTES.rotateEpoch, 200, {});
  }

  wipe(): Promise<WipeResponse> {
    return this.session.expect<WipeResponse>('POST', DRILL_ROUTES.wipe, 200, {});
  }
}
