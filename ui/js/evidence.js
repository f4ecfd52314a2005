// Evidence forms shared by the case page and the NemID page: the photo ID as shown at the desk,
// and the identity check (photo ID and the yellow health card).

import { h } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { field, checkbox, select, group, radios } from './forms.js';

// The photo ID types this installation accepts (GET /api/v1/settings), read once per page load.
let settings = null;
export async function loadSettings() {
  settings ??= (await api('GET', '/api/v1/settings')).data;
  return settings;
}

function photoTypeLabel(type) {
  const key = `form.photo_type.${type}`;
  const text = t(key);
  return text === key ? type.replace(/_/g, ' ') : text;
}

/** The photo ID's fields under `prefix` (call `loadSettings` first). */
export function photoIdFields(prefix) {
  return group(prefix, t('form.photo_id'),
    h('div', { class: 'grid2' },
      select({ name: `${prefix}.type`, label: t('form.photo_type'), options: settings.photo_id_types.map((p) => [p, photoTypeLabel(p)]) }),
      field({ name: `${prefix}.number`, label: t('form.photo_number'), attrs: { maxlength: '40' } }),
      field({ name: `${prefix}.expires_on`, label: t('form.photo_expires'), type: 'date' }),
      field({ name: `${prefix}.issuing_country`, label: t('form.photo_country'), value: 'DK', attrs: { maxlength: '2', size: '3' } })));
}

function documentLabel(type) {
  const key = `form.document.${type}`;
  const text = t(key);
  return text === key ? type.replace(/_/g, ' ') : text;
}

/** The photo ID route's fields: valid photo ID that shows the person, and their health card. */
function photoRoute() {
  return [
    photoIdFields('photo_id'),
    checkbox({ name: 'photo_matches', label: t('form.photo_matches') }),
    checkbox({ name: 'health_card_presented', label: t('form.health_card_presented') }),
    field({ name: 'health_card_cpr', label: t('form.health_card_cpr'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11' } }),
  ];
}

/** The secondary documents' fields: each configured type seen or not, and the CPR number it shows. */
function documentsRoute() {
  return group('documents', t('form.documents'),
    h('p', { class: 'hint' }, t('form.documents_hint')),
    settings.secondary_document_types.map((type) => group(`docs.${type}`, documentLabel(type),
      checkbox({ name: `docs.${type}.seen`, label: t('form.document_seen') }),
      checkbox({ name: `docs.${type}.shows_cpr`, label: t('form.document_shows_cpr') }),
      field({ name: `docs.${type}.cpr`, label: t('form.document_cpr'), hint: t('new.cpr_hint'), optional: true, attrs: { inputmode: 'numeric', maxlength: '11' } }))));
}

/**
 * The identity check's form (call `loadSettings` first). With `routes`, the clerk chooses photo
 * ID or secondary documents (express and new-password cases need photo ID: no choice).
 */
export function identityForm(record) {
  const routes = Boolean(record) && !['express', 'new_password'].includes(record.kind);
  if (!routes) return { fields: photoRoute() };
  const photo = h('div', { id: 'route-photo' }, photoRoute());
  const docs = h('div', { id: 'route-documents', hidden: true }, documentsRoute());
  const choose = radios({
    name: 'route', legend: t('form.route'), value: 'photo_id',
    options: [['photo_id', t('form.route.photo_id')], ['secondary_documents', t('form.route.secondary_documents'), t('form.route.secondary_hint')]],
    onChange: (e) => {
      photo.hidden = e.target.value !== 'photo_id';
      docs.hidden = e.target.value === 'photo_id';
    },
  });
  return {
    fields: [choose, photo, docs],
    body: (v) => {
      if (v.route !== 'secondary_documents') {
        delete v.docs;
        return v;
      }
      const documents = Object.entries(v.docs || {}).filter(([, d]) => d.seen).map(([type, d]) => {
        const doc = { type, shows_cpr: d.shows_cpr };
        if (d.shows_cpr) doc.cpr = d.cpr || '';
        return doc;
      });
      return { route: 'secondary_documents', documents };
    },
  };
}

/** Collecting a held card: the photo ID again. */
export function collectionForm() {
  return {
    fields: [
      h('p', {}, t('form.collect_intro')),
      photoIdFields('photo_id'),
      checkbox({ name: 'photo_matches', label: t('form.collect_photo_matches') }),
    ],
  };
}
