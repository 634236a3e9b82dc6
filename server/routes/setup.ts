/**
 * `/setup` and its downloads (contract section 7), and `GET /api/https`, which tells a page
 * opened over plain HTTP where the secure origin is. No session: a tablet being set up has
 * none, and nothing here is secret (the CA's certificate, never its key).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { HTTPS_INFO_PATH, type HttpsInfo, SETUP_PATH } from '../../src/shared/protocol';
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { caProfile, MOBILECONFIG_TYPE } from '../tls/mobileconfig';
import { hostOf, nameMatches, urlHost } from '../tls/names';
import { SETUP_CSS, type SetupView, setupPageHtml } from './setup-page';

/** The HTTPS address of `host`, without the port when it is HTTPS's own. */
export function httpsUrl(host: string, port: number): string {
  return `https://${urlHost(host)}${port === 443 ? '' : `:${port}`}/`;
}

/** QR codes by URL: the addresses barely change, and drawing one is not free. */
const qrCodes = new Map<string, Promise<string>>();

function qrSvg(url: string): Promise<string> {
  let svg = qrCodes.get(url);
  if (!svg) {
    svg = QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    qrCodes.set(url, svg);
  }
  return svg;
}

export function registerSetupRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { tls } = ctx;

  /** The secure addresses, the host this request named first when the certificate covers it. */
  const urls = (request: FastifyRequest | null): string[] => {
    const port = ctx.ports().httpsPort;
    if (!tls || port === null) return [];
    const host = request ? hostOf(request.headers.host) : null;
    const hosts =
      host !== null && nameMatches(host, tls.names) && !tls.forTablets.includes(host) ? [host] : [];
    return [...hosts, ...tls.forTablets].map((h) => httpsUrl(h, port));
  };

  app.get(
    HTTPS_INFO_PATH,
    async (request): Promise<HttpsInfo> => ({ port: ctx.ports().httpsPort, urls: urls(request) }),
  );

  app.get(SETUP_PATH, async (request, reply) => {
    const authority = tls?.authority ?? null;
    const view: SetupView = {
      mode: tls === null ? 'off' : authority ? 'venue-ca' : 'venue-cert',
      fingerprint: authority?.fingerprint ?? null,
      caName: authority?.name ?? null,
      chromePolicy: authority
        ? JSON.stringify({ CACertificates: [authority.der.toString('base64')] }, null, 2)
        : null,
      addresses: await Promise.all(urls(request).map(async (url) => ({ url, qrSvg: await qrSvg(url) }))),
      viewedOverHttps: request.protocol === 'https',
    };
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(setupPageHtml(view));
  });

  app.get(`${SETUP_PATH}/setup.css`, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(SETUP_CSS),
  );

  /** The CA, or 404 when there is none to hand out (the venue's own certificate, or TLS off). */
  const authorityOr404 = () => {
    const authority = tls?.authority;
    if (!authority)
      throw new ApiError(
        'not_found',
        tls
          ? "this server uses the venue's own certificate: there is no CA to install"
          : 'HTTPS is off on this server',
      );
    return authority;
  };
  const download = (name: string) => `attachment; filename="${name}"`;

  app.get(`${SETUP_PATH}/ca.pem`, async (_request, reply) =>
    reply
      .type('application/x-pem-file')
      .header('content-disposition', download('red-coral-venue-ca.pem'))
      .send(authorityOr404().pem),
  );
  app.get(`${SETUP_PATH}/ca.crt`, async (_request, reply) =>
    reply
      .type('application/x-x509-ca-cert')
      .header('content-disposition', download('red-coral-venue-ca.crt'))
      .send(authorityOr404().der),
  );
  app.get(`${SETUP_PATH}/red-coral.mobileconfig`, async (_request, reply) =>
    reply
      .type(MOBILECONFIG_TYPE)
      .header('content-disposition', download('red-coral.mobileconfig'))
      .send(caProfile(authorityOr404())),
  );
}
