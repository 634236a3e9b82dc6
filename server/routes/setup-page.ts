/**
 * The words and layout of `/setup`: for a manager with a tablet in hand, so short steps,
 * big targets, and every address as a QR code. Plain HTML and one stylesheet from the same
 * origin (`/setup/setup.css`), so it renders under the app's Content-Security-Policy.
 */

/** What the page shows; built per request by routes/setup.ts. */
export interface SetupView {
  mode: 'venue-ca' | 'venue-cert' | 'off';
  /** The CA's SHA-256 fingerprint and name (venue CA only). */
  fingerprint: string | null;
  caName: string | null;
  /** `{"CACertificates": [...]}` for a managed Chromium (venue CA only). */
  chromePolicy: string | null;
  /** Every HTTPS address with its QR code (inline SVG), best first. */
  addresses: { url: string; qrSvg: string }[];
  /** How this page itself arrived. */
  viewedOverHttps: boolean;
}

function html(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** An address as people read it: no trailing slash, and a line break allowed after the scheme only. */
function shownUrl(url: string): string {
  const bare = url.replace(/\/$/, '');
  return `${html(bare.slice(0, 8))}<wbr>${html(bare.slice(8))}`;
}

function trustStep(view: SetupView): string {
  if (view.mode !== 'venue-ca')
    return view.mode === 'venue-cert'
      ? `<section class="card step" aria-labelledby="trust">
  <h2 id="trust"><span class="step__number">1</span> Nothing to install</h2>
  <p>This server uses the venue’s own certificate. Devices that trust its issuer open the secure addresses below with no set-up.</p>
</section>`
      : `<section class="card step" aria-labelledby="trust">
  <h2 id="trust"><span class="step__number">1</span> HTTPS is off on this server</h2>
  <p>It was started with <code>RED_CORAL_TLS=off</code>. If it runs behind a proxy that serves HTTPS, open the proxy’s address on the tablets; otherwise ask whoever runs the server to turn HTTPS back on. Until then the app works, but cannot start with no network or be installed.</p>
</section>`;
  return `<section class="card step" aria-labelledby="trust">
  <h2 id="trust"><span class="step__number">1</span> Trust the venue certificate</h2>
  <p>On the tablet itself, download the file for it, then follow its steps below.</p>
  <div class="downloads">
    <a class="button button--primary" href="/setup/red-coral.mobileconfig" download>iPad and iPhone profile</a>
    <a class="button" href="/setup/ca.crt" download>Certificate (.crt) for Android and Windows</a>
    <a class="button" href="/setup/ca.pem" download>Certificate (.pem) for kiosks</a>
  </div>
  <p class="fingerprint__label">When the device asks, check that its fingerprint reads</p>
  <p class="fingerprint"><code aria-label="SHA-256 fingerprint">${html(view.fingerprint ?? '')}</code></p>
  <p class="muted">SHA-256 of “${html(view.caName ?? '')}”. A different fingerprint means a different certificate: do not trust it.</p>
</section>`;
}

function addressStep(view: SetupView): string {
  const items = view.addresses
    .map(
      ({ url, qrSvg }) => `<li class="address">
      <div class="address__qr" role="img" aria-label="QR code of ${html(url)}">${qrSvg}</div>
      <a class="address__url" href="${html(url)}">${shownUrl(url)}</a>
    </li>`,
    )
    .join('\n    ');
  const none = '<p class="muted">This server has no HTTPS address.</p>';
  return `<section class="card step" aria-labelledby="open">
  <h2 id="open"><span class="step__number">2</span> Open Red Coral at a secure address</h2>
  <p>Scan a code with the tablet’s camera or type the address, then install the app from the browser. Pick the address that works on the venue’s Wi-Fi and keep to it: the tablet keeps its data per address.</p>
  ${view.addresses.length > 0 ? `<ul class="addresses" aria-label="HTTPS addresses">\n    ${items}\n  </ul>` : none}
</section>`;
}

function deviceSteps(view: SetupView): string {
  if (view.mode !== 'venue-ca') return '';
  const kiosk = view.addresses[0]?.url ?? 'https://<address>/';
  return `<section class="devices" aria-labelledby="devices">
  <h2 id="devices">Steps by device</h2>
  <div class="devices__grid">
    <article class="card">
      <h3>iPad and iPhone</h3>
      <ol>
        <li>In <strong>Safari</strong>, tap <em>iPad and iPhone profile</em> and allow the download.</li>
        <li>Open <strong>Settings</strong>, tap <em>Profile Downloaded</em>, then <em>Install</em> (it says “Unverified”: that is expected) and enter the passcode.</li>
        <li><strong>Settings → General → About → Certificate Trust Settings</strong>: turn on full trust for “${html(view.caName ?? '')}”.</li>
        <li>Open the secure address in Safari, then <em>Share → Add to Home Screen</em>.</li>
      </ol>
    </article>
    <article class="card">
      <h3>Android</h3>
      <ol>
        <li>Tap <em>Certificate (.crt)</em> and keep the file.</li>
        <li><strong>Settings → Security → More security settings → Encryption and credentials → Install a certificate → CA certificate</strong>, choose <em>Install anyway</em> and pick the file. (Names vary by maker: search Settings for “CA certificate”.)</li>
        <li>Open the secure address in Chrome, then <em>⋮ → Install app</em>.</li>
      </ol>
    </article>
    <article class="card">
      <h3>Windows</h3>
      <ol>
        <li>Download <em>Certificate (.crt)</em> and open it: <em>Install Certificate → Local Machine → Place all certificates in: Trusted Root Certification Authorities → Finish</em>.</li>
        <li>Or, as administrator: <code>certutil -addstore -f Root red-coral-venue-ca.crt</code></li>
        <li>Restart Edge or Chrome, open the secure address and install the app from the address bar.</li>
      </ol>
    </article>
    <article class="card">
      <h3>Chromium kiosk</h3>
      <ol>
        <li>Trust the certificate for the kiosk’s user (Linux, <code>libnss3-tools</code>):<br><code>certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n red-coral -i red-coral-venue-ca.pem</code></li>
        <li>Or, on managed Chrome or Chromium 131 and newer, by policy (<code>/etc/chromium/policies/managed/red-coral.json</code>):
          <details><summary>Policy file</summary><pre>${html(view.chromePolicy ?? '')}</pre></details></li>
        <li>Start it on the app alone:<br><code>chromium --kiosk --app=${html(kiosk)}</code></li>
      </ol>
    </article>
  </div>
</section>`;
}

export function setupPageHtml(view: SetupView): string {
  const over = view.viewedOverHttps
    ? 'You opened this page over HTTPS.'
    : 'You opened this page over plain HTTP, which is fine for setting up.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="#c8453a">
<title>Set up a tablet · Red Coral</title>
<link rel="stylesheet" href="/setup/setup.css">
</head>
<body>
<header class="top">
  <p class="top__brand"><span class="top__mark" aria-hidden="true"></span>Red Coral</p>
  <h1>Set up a tablet</h1>
  <p class="top__lead">Once per device: trust this venue’s certificate, then open Red Coral at its secure address. From then on the app starts with no network and can be installed.</p>
</header>
<main class="steps">
${trustStep(view)}
${addressStep(view)}
${deviceSteps(view)}
</main>
<footer class="foot"><p class="muted">${over} The app itself: <a href="/">open Red Coral</a>.</p></footer>
</body>
</html>
`;
}

export const SETUP_CSS = `:root {
  --coral: #c8453a;
  --coral-dark: #a4352c;
  --ink: #1d1d1f;
  --muted: #5c5c63;
  --paper: #f6f5f3;
  --card: #ffffff;
  --line: #e3dfd9;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 17px;
  line-height: 1.5;
  color: var(--ink);
  background: var(--paper);
}
* { box-sizing: border-box; }
body { margin: 0; padding: 24px clamp(16px, 4vw, 40px) 40px; }
.top, .steps, .foot { max-width: 1100px; margin: 0 auto; }
.top__brand { display: flex; align-items: center; gap: 10px; margin: 0; font-weight: 700; color: var(--coral); letter-spacing: 0.02em; }
.top__mark { width: 22px; height: 22px; border-radius: 50% 50% 50% 12%; background: var(--coral); }
h1 { font-size: 2rem; margin: 6px 0 4px; }
.top__lead { margin: 0 0 24px; max-width: 46em; color: var(--muted); }
h2 { font-size: 1.3rem; margin: 0 0 8px; display: flex; align-items: center; gap: 12px; }
h3 { font-size: 1.1rem; margin: 0 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 16px; padding: 20px 22px; margin-bottom: 20px; }
.step__number { display: inline-grid; place-items: center; width: 36px; height: 36px; border-radius: 50%; background: var(--coral); color: #fff; font-size: 1.1rem; flex: none; }
.muted { color: var(--muted); }
.downloads { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 20px; }
.button { display: inline-flex; align-items: center; min-height: 48px; padding: 10px 18px; border-radius: 12px; border: 1px solid var(--line); background: var(--paper); color: var(--ink); font-weight: 600; text-decoration: none; }
.button--primary { background: var(--coral); border-color: var(--coral); color: #fff; }
.button:hover { border-color: var(--coral); }
.button--primary:hover { background: var(--coral-dark); }
.fingerprint__label { margin: 0; }
.fingerprint { margin: 6px 0; }
.fingerprint code { display: block; padding: 12px 14px; border-radius: 10px; background: var(--paper); font-size: 0.95rem; line-height: 1.6; overflow-wrap: anywhere; letter-spacing: 0.02em; }
.addresses { list-style: none; margin: 16px 0 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
.address { display: flex; flex-direction: column; align-items: center; gap: 10px; padding: 14px; border: 1px solid var(--line); border-radius: 14px; }
.address__qr { width: 168px; height: 168px; }
.address__qr svg { width: 100%; height: 100%; display: block; }
.address__url { min-height: 44px; display: block; padding-top: 10px; color: var(--coral-dark); font-weight: 600; font-size: 0.95rem; text-align: center; overflow-wrap: break-word; }
.devices h2 { margin: 28px 0 12px; }
.devices__grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 20px; }
@media (max-width: 640px) { .devices__grid { grid-template-columns: 1fr; } }
ol { margin: 0; padding-left: 1.3em; }
li + li { margin-top: 6px; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
details { margin-top: 6px; }
summary { min-height: 44px; display: flex; align-items: center; cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--paper); padding: 10px; border-radius: 8px; font-size: 0.8rem; }
.foot { margin-top: 8px; }
a { color: var(--coral-dark); }
`;
