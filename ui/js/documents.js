// Documents as the server makes them (PDF): one button per document, which downloads it with the
// signed-in user's credentials and says so.

import { h, announce } from './dom.js';
import { t } from './i18n.js';
import { download } from './api.js';
import { problemText } from './forms.js';

/** A button that downloads `path` (a document of `kind`) as `filename`. */
export function documentButton(path, filename, kind, { primary = false, label = null } = {}) {
  return h('button', {
    type: 'button',
    class: primary ? '' : 'secondary',
    dataset: { document: kind },
    'aria-label': label ?? t('doc.get', { name: t(`doc.${kind}`) }),
    onClick: async (e) => {
      const b = e.currentTarget;
      b.disabled = true;
      try {
        await download(path, filename, 'application/pdf');
        announce(t('doc.downloaded', { name: t(`doc.${kind}`) }));
      } catch (err) {
        announce(problemText(err));
      } finally {
        b.disabled = false;
      }
    },
  }, t('doc.get', { name: t(`doc.${kind}`) }));
}
