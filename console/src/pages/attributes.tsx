import { CUSTOM_ATTRIBUTE_TYPES as TYPES } from '../../../src/custom-attributes/custom-attribute';
import { useState } from 'preact/hooks';
import { api, AttributeDefinition } from '../api';
import { ErrorText, PageTitle, useAction, useLoad } from '../ui';
import { TenantNav } from './tenant-nav';

export function AttributesPage(props: { slug: string; canChange: boolean }) {
  const view = useLoad(() => api.attributes(props.slug), [props.slug]);
  return (
    <>
      <PageTitle>Custom user attributes: {props.slug}</PageTitle>
      <TenantNav slug={props.slug} current="attributes" />
      <ErrorText error={view.error} />
      {view.data && (
        <p>
          Map them in Entra as <code>{view.data.schema}:&lt;name&gt;</code>.
        </p>
      )}
      <div class="table-wrap">
        <table aria-busy={view.loading}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Characteristics</th>
              <th scope="col">Status</th>
              <th scope="col">Description</th>
              {props.canChange && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {(view.data?.attributes ?? []).map((attribute) => (
              <AttributeRow
                key={attribute.name}
                slug={props.slug}
                attribute={attribute}
                canChange={props.canChange}
                onChanged={view.reload}
              />
            ))}
          </tbody>
        </table>
      </div>
      {view.data?.attributes.length === 0 && <p>No custom attributes.</p>}
      {props.canChange && <DefineAttribute slug={props.slug} onDefined={view.reload} />}
    </>
  );
}

const traits = (a: AttributeDefinition) =>
  [a.multiValued && 'multi-valued', a.required && 'required', a.caseExact && 'case-exact']
    .filter(Boolean)
    .join(', ') || '—';

function AttributeRow(props: {
  slug: string;
  attribute: AttributeDefinition;
  canChange: boolean;
  onChanged: () => void;
}) {
  const { attribute } = props;
  const [type, setType] = useState(attribute.type);
  const [purging, setPurging] = useState('');
  const action = useAction();
  const change = (work: () => Promise<unknown>) =>
    void action.run(async () => {
      await work();
      props.onChanged();
    });
  const id = `attr-${attribute.name}`;
  return (
    <tr data-attribute={attribute.name}>
      <th scope="row" class="mono">
        {attribute.name}
      </th>
      <td>{attribute.type}</td>
      <td>{traits(attribute)}</td>
      <td>{attribute.status}</td>
      <td>{attribute.description ?? '—'}</td>
      {props.canChange && (
        <td>
          <div class="actions">
            {attribute.status === 'active' ? (
              <>
                <label for={`${id}-type`}>Type</label>
                <select id={`${id}-type`} value={type} onChange={(e) => setType(e.currentTarget.value)}>
                  {TYPES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
                <button
                  type="button"
                  disabled={action.busy || type === attribute.type}
                  onClick={() => change(() => api.changeAttribute(props.slug, attribute.name, { type }))}
                >
                  Change<span class="visually-hidden"> {attribute.name}</span>
                </button>
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => change(() => api.removeAttribute(props.slug, attribute.name))}
                >
                  Remove<span class="visually-hidden"> {attribute.name}</span>
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => change(() => api.defineAttribute(props.slug, specOf(attribute)))}
                >
                  Restore<span class="visually-hidden"> {attribute.name}</span>
                </button>
                <label for={`${id}-purge`}>Type {attribute.name} to purge its values</label>
                <input
                  id={`${id}-purge`}
                  value={purging}
                  onInput={(e) => setPurging(e.currentTarget.value)}
                />
                <button
                  type="button"
                  class="danger"
                  disabled={action.busy || purging !== attribute.name}
                  onClick={() => change(() => api.purgeAttribute(props.slug, attribute.name, purging))}
                >
                  Purge<span class="visually-hidden"> {attribute.name}</span>
                </button>
              </>
            )}
          </div>
          <ErrorText error={action.error} />
        </td>
      )}
    </tr>
  );
}

const specOf = (a: AttributeDefinition): Partial<AttributeDefinition> => ({
  name: a.name,
  type: a.type,
  multiValued: a.multiValued,
  required: a.required,
  caseExact: a.caseExact,
  ...(a.canonicalValues ? { canonicalValues: a.canonicalValues } : {}),
  ...(a.description ? { description: a.description } : {}),
});

function DefineAttribute(props: { slug: string; onDefined: () => void }) {
  const [spec, setSpec] = useState({
    name: '',
    type: 'string',
    multiValued: false,
    required: false,
    description: '',
  });
  const action = useAction();
  const set = (key: string, value: unknown) => setSpec({ ...spec, [key]: value });
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          await api.defineAttribute(props.slug, { ...spec, description: spec.description || undefined });
          setSpec({ name: '', type: 'string', multiValued: false, required: false, description: '' });
          props.onDefined();
        });
      }}
    >
      <h2>Add an attribute</h2>
      <label for="attr-name">Name</label>
      <input id="attr-name" required value={spec.name} onInput={(e) => set('name', e.currentTarget.value)} />
      <label for="attr-type">Type</label>
      <select id="attr-type" value={spec.type} onChange={(e) => set('type', e.currentTarget.value)}>
        {TYPES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <label class="check">
        <input
          type="checkbox"
          checked={spec.multiValued}
          onChange={(e) => set('multiValued', e.currentTarget.checked)}
        />{' '}
        Multi-valued
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={spec.required}
          onChange={(e) => set('required', e.currentTarget.checked)}
        />{' '}
        Required
      </label>
      <label for="attr-description">Description</label>
      <input
        id="attr-description"
        value={spec.description}
        onInput={(e) => set('description', e.currentTarget.value)}
      />
      <ErrorText error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Add attribute
      </button>
    </form>
  );
}
