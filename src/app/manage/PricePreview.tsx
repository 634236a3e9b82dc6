/**
 * "Which rules apply": on the price-rule form, pick a product, a zone and a venue-local
 * day and time, and see the price the server computes (GET /api/price-preview) beside the
 * one this device computes with the same function, which is what its menu shows. They
 * must agree; while this device is still catching up it says so instead.
 */
import { useEffect, useState } from 'react';
import { canonicalJson } from '../../shared/digest';
import { type Price, type PriceRule, priceOf, venueInstant, venueMoment } from '../../shared/pricing';
import { type Item, RESOURCES } from '../../shared/resources';
import type { PricePreview as ServerPreview } from '../../shared/venue';
import { errorInfo } from '../../sync';
import { fetchPricePreview } from '../api';
import { ZoneSelect } from '../components/ZoneSelect';
import { formatMoney, WEEKDAY_NAMES } from '../format';
import { useById, useItems, useItemsByName, useResourceState } from '../hooks';
import { sessionStore } from '../session';
import { useVenue } from '../venue';

type Answer =
  | { state: 'asking' }
  | { state: 'answered'; preview: ServerPreview }
  | { state: 'failed'; message: string };

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The server's answer for these inputs, asked again whenever this device's copy of the inputs moves. */
function useServerPreview(
  productId: string,
  zoneId: string | null,
  at: number,
  localVersions: string,
): Answer {
  const [answer, setAnswer] = useState<Answer>({ state: 'asking' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new local version asks the server again, for a fresh pair.
  useEffect(() => {
    if (!productId || Number.isNaN(at)) return;
    const abort = new AbortController();
    setAnswer({ state: 'asking' });
    const token = sessionStore.getState().session?.token ?? null;
    fetchPricePreview(token, { productId, zoneId, at }, abort.signal).then(
      (preview) => setAnswer({ state: 'answered', preview }),
      (error: unknown) => {
        if (!abort.signal.aborted) setAnswer({ state: 'failed', message: errorInfo(error).message });
      },
    );
    return () => abort.abort();
  }, [productId, zoneId, at, localVersions]);
  return answer;
}

/** One price and the rules that made it, as a short list. */
function Breakdown({ price, currency, testId }: { price: Price; currency: string | null; testId: string }) {
  const money = (cents: number) => formatMoney(cents, currency);
  return (
    <div className="preview__answer" data-testid={testId} data-cents={price.priceCents}>
      <p className="preview__price">{money(price.priceCents)}</p>
      {price.steps.length === 0 && (
        <p className="muted">No rule applies: the base price {money(price.baseCents)}.</p>
      )}
      {price.steps.length > 0 && (
        <ol className="preview__steps">
          {price.steps.map((s) => (
            <li key={s.ruleId} data-rule-id={s.ruleId}>
              <strong>{s.name}</strong> ({s.kind === 'discount' ? '−' : '+'}
              {s.amountType === 'percent' ? `${s.amount} %` : money(s.amount)}
              {s.exclusive ? ', exclusive' : ''}): {money(s.beforeCents)} → {money(s.afterCents)}
            </li>
          ))}
        </ol>
      )}
      {price.shutOut.length > 0 && (
        <p className="muted">
          Not applied (shut out by an exclusive rule): {price.shutOut.map((s) => s.name).join(', ')}
        </p>
      )}
    </div>
  );
}

/** Whether two answers name the same price made by the same rules. */
function samePrice(a: Pick<Price, 'priceCents' | 'steps'>, b: Pick<Price, 'priceCents' | 'steps'>): boolean {
  return a.priceCents === b.priceCents && canonicalJson(a.steps) === canonicalJson(b.steps);
}

export function PricePreview({ draft, item }: { draft: Record<string, unknown>; item: Item | null }) {
  const products = useItemsByName('product');
  const productsById = useById('product');
  const rules = useItems('price_rule');
  const categories = useById('category');
  const ruleVersion = useResourceState('price_rule', (s) => s.lastVersion);
  const categoryVersion = useResourceState('category', (s) => s.lastVersion);
  // Unsent edits are laid over this device's data: its answer may differ until they are sent.
  const unsent =
    useResourceState('price_rule', (s) => Object.keys(s.pending).length) +
    useResourceState('category', (s) => Object.keys(s.pending).length) +
    useResourceState('product', (s) => Object.keys(s.pending).length);
  const { timeZone, currency } = useVenue();

  const scope = (draft.scope ?? {}) as Partial<PriceRule['scope']>;
  const [productId, setProductId] = useState(() => scope.productIds?.[0] ?? '');
  const [zoneId, setZoneId] = useState(() => scope.zoneIds?.[0] ?? '');
  const [when, setWhen] = useState(() => {
    const now = venueMoment(Date.now(), timeZone);
    return { date: now.date, time: hhmm(now.minutes) };
  });
  const chosenId = productsById[productId] ? productId : (products[0]?.id ?? '');
  const product = productsById[chosenId];
  const at = when.date && when.time ? venueInstant(when.date, when.time, timeZone) : Number.NaN;
  const context = { at, timeZone, zoneId: zoneId || null, categories };

  const local = product && !Number.isNaN(at) ? priceOf(product, rules, context) : null;
  // What the unsaved draft would make of it: this device only, the server has not seen it.
  const parsed = RESOURCES.price_rule.schema.safeParse(draft);
  let drafted: Price | null = null;
  if (parsed.success && product && !Number.isNaN(at)) {
    const { id: _id, version: _version, ...saved } = (item ?? {}) as Partial<PriceRule>;
    if (!item || canonicalJson(saved) !== canonicalJson(parsed.data)) {
      const draftRule: PriceRule = { ...parsed.data, id: item?.id ?? 'draft', version: 0 };
      drafted = priceOf(product, [...rules.filter((r) => r.id !== item?.id), draftRule], context);
    }
  }

  const versions = `${ruleVersion}/${categoryVersion}/${product?.version ?? 0}`;
  const answer = useServerPreview(chosenId, zoneId || null, at, versions);
  // An answer to the inputs before the last change is no answer to these.
  const server =
    answer.state === 'answered' &&
    answer.preview.productId === chosenId &&
    answer.preview.zoneId === (zoneId || null) &&
    Date.parse(answer.preview.at) === at
      ? answer.preview
      : null;
  const sameData =
    server !== null &&
    server.versions.price_rule === ruleVersion &&
    server.versions.category === categoryVersion &&
    server.productVersion === product?.version;
  const agree = server !== null && local !== null && samePrice(server, local);
  const verdict =
    answer.state === 'failed'
      ? `The server could not answer (${answer.message}); this device's answer is what its menu shows.`
      : !server || !local
        ? 'Asking the server…'
        : agree
          ? 'The server and this device agree.'
          : unsent > 0
            ? 'This device holds changes the server has not taken yet, and prices with them.'
            : sameData
              ? 'The server and this device disagree on the same data. Please report this.'
              : 'This device is still catching up with the server; the answers will meet in a moment.';
  const venueTime = Number.isNaN(at) ? null : venueMoment(at, timeZone);

  return (
    <section className="preview" aria-labelledby="preview-title">
      <h3 id="preview-title">Which rules apply</h3>
      <p className="field__hint">
        The saved rules, as the menu prices them at the venue’s time ({timeZone}).
      </p>
      <div className="preview__inputs">
        <div className="preview__input">
          <label htmlFor="preview-product">Product</label>
          <select
            id="preview-product"
            className="input"
            value={chosenId}
            onChange={(e) => setProductId(e.target.value)}
          >
            {products.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="preview__input">
          <label htmlFor="preview-zone">Zone</label>
          <ZoneSelect id="preview-zone" value={zoneId} onChange={setZoneId} />
        </div>
        <div className="preview__input">
          <label htmlFor="preview-day">Day</label>
          <input
            id="preview-day"
            type="date"
            className="input input--date"
            value={when.date}
            onChange={(e) => setWhen((w) => ({ ...w, date: e.target.value }))}
          />
        </div>
        <div className="preview__input">
          <label htmlFor="preview-time">Time</label>
          <input
            id="preview-time"
            type="time"
            className="input input--time"
            value={when.time}
            onChange={(e) => setWhen((w) => ({ ...w, time: e.target.value }))}
          />
        </div>
        <button
          type="button"
          className="button"
          onClick={() => {
            const now = venueMoment(Date.now(), timeZone);
            setWhen({ date: now.date, time: hhmm(now.minutes) });
          }}
        >
          Now
        </button>
      </div>
      {venueTime && (
        <p className="muted">
          {WEEKDAY_NAMES[venueTime.weekday - 1]} {venueTime.date}, {hhmm(venueTime.minutes)} at the venue
        </p>
      )}
      {!product && <p className="muted">No products yet.</p>}
      {product && (
        <div className="preview__answers">
          <div>
            <h4>On this device</h4>
            {local && <Breakdown price={local} currency={currency} testId="preview-local" />}
          </div>
          <div>
            <h4>On the server</h4>
            {server ? (
              <Breakdown price={server} currency={currency} testId="preview-server" />
            ) : (
              <p className="muted">{answer.state === 'failed' ? 'No answer.' : 'Asking…'}</p>
            )}
          </div>
        </div>
      )}
      {product && (
        <p
          className={`notice ${agree ? 'notice--ok' : answer.state === 'failed' || (sameData && unsent === 0) ? 'notice--error' : 'notice--info'}`}
          role="status"
          data-testid="preview-verdict"
          data-agree={agree ? 'true' : server ? 'false' : 'pending'}
        >
          {verdict}
        </p>
      )}
      {drafted && (
        <div className="preview__draft">
          <h4>With your unsaved changes (this device only)</h4>
          <Breakdown price={drafted} currency={currency} testId="preview-draft" />
        </div>
      )}
    </section>
  );
}
