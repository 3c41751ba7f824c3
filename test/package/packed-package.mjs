// The package as users get it: `npm pack` of this checkout, installed from the
// tarball into a fresh project outside the repository. What the checks see is
// then what `npm install offline-trace-buffer` gives: only the files the
// tarball holds, reached through the exports map, with the dependencies npm
// resolves from package.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Packs and installs the package into a new temporary project. `link` names
 * packages of this repository's node_modules (type packages, the OpenTelemetry
 * SDK) to make resolvable there too, at the versions the lockfile installed,
 * without another trip to the registry.
 */
export function installPackedPackage({ link = [] } = {}) {
  if (!existsSync(path.join(repoRoot, 'dist/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'otb-package-'));
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const tarball = path.join(dir, packed.filename);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'otb-consumer', private: true }, null, 2));
  // --prefer-offline: the dependencies (idb, comlink) are in npm's cache since
  // `npm ci`; the registry is asked only if they are not.
  execFileSync(
    'npm',
    ['install', tarball, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--ignore-scripts'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const name of link) {
    const target = path.join(repoRoot, 'node_modules', name);
    if (!existsSync(target)) throw new Error(`${name} is not installed in this checkout (npm ci)`);
    const at = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  }
  return {
    dir,
    tarball,
    /** The tarball's files, as npm listed them: `{ path, size }`. */
    files: packed.files,
    remove: () => {
      if (!process.env.KEEP_PACKAGE_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
}
