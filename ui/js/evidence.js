// Evidence forms shared by the case page and the NemID page: the photo ID as shown at the desk,
// and the identity check (photo ID and the yellow health card).

import { h } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { field, checkbox, select, group } from './forms.js';

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

/** The identity check's form: valid photo ID that shows the person, and their health card. */
export function identityForm() {
  return {
    fields: [
      photoIdFields('photo_id'),
      checkbox({ name: 'photo_matches', label: t('form.photo_matches') }),
      checkbox({ name: 'health_card_presented', label: t('form.health_card_presented') }),
      field({ name: 'health_card_cpr', label: t('form.health_card_cpr'), hint: t('new.cpr_hint'), attrs: { inputmode: 'numeric', maxlength: '11' } }),
    ],
  };
}
