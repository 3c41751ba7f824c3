import type { BufferMode } from './buffer-settings.js';

const MODE_KEY = 'otb-demo:storage-mode';

/** The storage mode chosen last, for this origin (every tab uses the same one). */
export function readSavedMode(): BufferMode {
  try {
    return localStorage.getItem(MODE_KEY) === 'worker' ? 'worker' : 'main';
  } catch (error) {
    // Storage blocked (some privacy settings): the default mode works without it.
    console.info('otb-demo: cannot read the saved storage mode', error);
    return 'main';
  }
}

export function saveMode(mode: BufferMode): void {
  try {
    localStorage.setItem(MODE_KEY, mode);
  } catch (error) {
    console.info('otb-demo: cannot save the storage mode', error);
  }
}

/**
 * Calls `onChange` when another tab saves a mode: the `storage` event fires
 * in every other tab of the origin, which is all the cross-tab signal a mode switch needs.
 */
export function watchSavedMode(onChange: (mode: BufferMode) => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key === MODE_KEY) onChange(readSavedMode());
  });
}
