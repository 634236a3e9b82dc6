/**
 * The one create/edit/delete form for all ten types, built from the type's schema.
 * It validates with the same zod schema the server uses, then shows whatever the server
 * still refuses (validation beside the fields; 403, 409, 412 as sentences above).
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { canonicalJson } from '../../shared/digest';
import { newId } from '../../shared/ids';
import {
  type Item,
  pinSchema,
  RESOURCES,
  type ResourceFields,
  type ResourceName,
} from '../../shared/resources';
import { errorInfo } from '../../sync';
import type { QueuedWrite, ResourceStore, SyncErrorInfo } from '../../sync/types';
import { engine } from '../engine';
import { navigate } from '../router';
import { type Feedback, feedbackFor, placeIssues } from './errors';
import { FieldEditor } from './FieldEditor';
import { defaultsOf, fieldsOf, renderedPaths } from './fields';
import { dismissShown, type Outcome, outcomeOf } from './outcome';
import { PricePreview } from './PricePreview';

type Draft = Record<string, unknown>;
/** What `create` takes, for any type: the schema-checked draft is one of these. */
type CreateFields = ResourceFields[ResourceName] & { id: string; pin?: string };
const NO_FEEDBACK: Feedback = { fields: {}, banner: null };
/** A change that waits in the outbox: the person must know it is kept, and not yet on the server. */
const QUEUED = 'Saved on this device. It will be sent to the server when the connection is back.';

/** The type's store with its item type erased: the form is generic over all ten types. */
function storeOf(resource: ResourceName): ResourceStore {
  return engine.stores[resource] as unknown as ResourceStore;
}

function nameOf(resource: ResourceName, id: string): string {
  return storeOf(resource).getState().byId[id]?.name ?? id;
}

function draftOf(item: Item | null, fields: ReturnType<typeof fieldsOf>): Draft {
  if (!item) return defaultsOf(fields);
  const { id: _id, version: _version, ...rest } = item;
  return structuredClone(rest) as Draft;
}

export function ResourceForm({ resource, item }: { resource: ResourceName; item: Item | null }) {
  const definition = RESOURCES[resource];
  const fields = useMemo(() => fieldsOf(resource), [resource]);
  const [draft, setDraft] = useState<Draft>(() => draftOf(item, fields));
  const [baseVersion, setBaseVersion] = useState(item?.version ?? 0);
  const [pin, setPin] = useState('');
  const [feedback, setFeedback] = useState<Feedback>(NO_FEEDBACK);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const hasPin = resource === 'employee';

  // A refused save must be seen: bring the first message (banner or field) into view.
  useEffect(() => {
    if (feedback === NO_FEEDBACK) return;
    formRef.current?.querySelector('.notice--error, .field__error')?.scrollIntoView({ block: 'center' });
  }, [feedback]);
  const movedOn = item !== null && item.version !== baseVersion;

  const loadLatest = () => {
    setDraft(draftOf(item, fields));
    setBaseVersion(item?.version ?? 0);
    setFeedback(NO_FEEDBACK);
  };

  /** Shows a refusal beside the fields: the server's (from the outbox) or anything thrown. */
  const fail = (error: SyncErrorInfo) => {
    setFeedback(feedbackFor(error, resource, renderedPaths(fields, draft), nameOf));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    const parsed = definition.schema.safeParse(draft);
    const pinIssues = hasPin && pin !== '' ? (pinSchema.safeParse(pin).error?.issues ?? []) : [];
    // An unchosen required reference says "Choose a category", not the id format's rule.
    const unchosen = fields.flatMap((f) =>
      f.kind === 'reference' && !f.nullable && !draft[f.key]
        ? [{ path: [f.key], message: `Choose a ${RESOURCES[f.target].label.toLowerCase()}` }]
        : [],
    );
    if (!parsed.success || pinIssues.length > 0) {
      const issues = [
        ...unchosen,
        ...(parsed.error?.issues ?? []).filter((i) => !unchosen.some((u) => u.path[0] === i.path[0])),
        ...pinIssues.map((i) => ({ ...i, path: ['pin'] })),
      ];
      const placed = placeIssues(issues, [...renderedPaths(fields, draft), 'pin']);
      setFeedback({ fields: placed.fields, banner: placed.banner ?? 'Please correct the marked fields.' });
      return;
    }
    const data = parsed.data as Draft;
    const withPin = hasPin && pin !== '' ? { pin } : {};
    const store = storeOf(resource).getState();
    setBusy(true);
    try {
      if (item) {
        // Send only what changed, so two people editing different fields do not collide.
        const patch: Draft = { ...withPin };
        for (const [key, value] of Object.entries(data)) {
          if (canonicalJson(value) !== canonicalJson((item as Draft)[key])) patch[key] = value;
        }
        if (Object.keys(patch).length === 0) {
          setFeedback({ fields: {}, banner: 'Nothing changed.' });
          return;
        }
        // If-Match on the version the form was opened at: a change made meanwhile answers 412.
        const options = { ifMatch: baseVersion || null };
        if (patch.pin) {
          const stored = await store.update(item.id, patch, options);
          setBaseVersion(stored.version);
          setSaved(`Saved ${stored.name}.`);
        } else {
          const outcome = await settle(await store.queueUpdate(item.id, patch, options));
          if (outcome === null) return;
          if (outcome.kind === 'saved' && outcome.value) setBaseVersion(outcome.value.version);
          setSaved(outcome.kind === 'saved' ? `Saved ${outcome.value?.name ?? item.name}.` : QUEUED);
        }
      } else {
        const fields = { ...data, ...withPin, id: newId() } as CreateFields;
        if (fields.pin) await store.create(fields);
        else if ((await settle(await store.queueCreate(fields))) === null) return;
        navigate({ screen: 'manage', resource, itemId: fields.id });
      }
      setFeedback(NO_FEEDBACK);
      setPin('');
    } catch (error) {
      fail(errorInfo(error));
    } finally {
      setBusy(false);
    }
  };

  /** Waits for the entry's outcome; a refusal is shown beside the fields (null: stop here). */
  const settle = async <T,>(queued: QueuedWrite<T>): Promise<Outcome<T> | null> => {
    const outcome = await outcomeOf(queued);
    if (outcome.kind !== 'refused') return outcome;
    fail(outcome.error);
    await dismissShown(queued.entry.seq);
    return null;
  };

  const remove = async () => {
    if (!item) return;
    setBusy(true);
    try {
      if (
        (await settle(
          await storeOf(resource)
            .getState()
            .queueRemove(item.id, { ifMatch: baseVersion || null }),
        )) === null
      ) {
        setBusy(false);
        setConfirmingDelete(false);
        return;
      }
      navigate({ screen: 'manage', resource });
    } catch (error) {
      fail(errorInfo(error));
      setBusy(false);
      setConfirmingDelete(false);
    }
  };

  const form = (
    <form
      ref={formRef}
      className="resource-form"
      onSubmit={submit}
      noValidate
      aria-label={`${item ? 'Edit' : 'New'} ${definition.label.toLowerCase()}`}
    >
      <h2>{item ? `Edit ${item.name}` : `New ${definition.label.toLowerCase()}`}</h2>
      {movedOn && (
        <p className="notice notice--info">
          Changed on another device since you opened it.{' '}
          <button type="button" className="button button--quiet" onClick={loadLatest}>
            Load latest
          </button>
        </p>
      )}
      {feedback.banner && (
        <div className="notice notice--error" role="alert">
          <p>{feedback.banner}</p>
          {item && feedback.banner.startsWith('Someone else') && (
            <button type="button" className="button" onClick={loadLatest}>
              Load their version
            </button>
          )}
        </div>
      )}
      {saved && (
        <p className="notice notice--ok" role="status">
          {saved}
        </p>
      )}
      {fields.map((field) => (
        <FieldEditor
          key={field.key}
          field={field}
          path={field.key}
          value={draft[field.key]}
          errors={feedback.fields}
          onChange={(value) => setDraft((d) => ({ ...d, [field.key]: value }))}
        />
      ))}
      {hasPin && (
        <div className={`field${feedback.fields.pin ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor="field-pin">
            {item ? 'New PIN (leave empty to keep the current one)' : 'PIN'}
          </label>
          <input
            id="field-pin"
            className="input"
            type="password"
            inputMode="numeric"
            autoComplete="new-password"
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 8))}
          />
          {feedback.fields.pin && <p className="field__error">{feedback.fields.pin.join(' · ')}</p>}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {item ? 'Save changes' : `Create ${definition.label.toLowerCase()}`}
        </button>
        {item &&
          (confirmingDelete ? (
            <>
              <button type="button" className="button button--danger" disabled={busy} onClick={remove}>
                Yes, delete {item.name}
              </button>
              <button
                type="button"
                className="button button--quiet"
                onClick={() => setConfirmingDelete(false)}
              >
                Keep it
              </button>
            </>
          ) : (
            <button
              type="button"
              className="button button--danger-quiet"
              onClick={() => setConfirmingDelete(true)}
            >
              Delete
            </button>
          ))}
      </div>
    </form>
  );
  // Price rules get "which rules apply" beside the form (outside it: its inputs submit nothing).
  if (resource !== 'price_rule') return form;
  return (
    <>
      {form}
      <PricePreview draft={draft} item={item} />
    </>
  );
}
