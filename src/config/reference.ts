import { ENV_BINDINGS, defaultOf, settingKeys } from './settings.js';

/** One row of the settings reference, for the README and `--help`. */
export interface ConfigReferenceEntry {
  /** Dotted camelCase key, as in the YAML file, e.g. `http.port`. */
  setting: string;
  /** The snake_case spelling the file also accepts, when it differs. */
  alias: string | undefined;
  /** The environment variable, if the setting has one. */
  env: string | undefined;
  /** The default as text, or undefined for settings without one. */
  default: string | undefined;
  description: string;
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every leaf setting of the Config schema, in schema order, with its env var and default. */
export function configReference(): ConfigReferenceEntry[] {
  return settingKeys()
    .filter((key) => !key.group)
    .map((key) => ({
      setting: key.path,
      alias: key.alias,
      env: ENV_BINDINGS[key.path]?.name,
      default: show(defaultOf(key.path)),
      description: key.description,
    }));
}
