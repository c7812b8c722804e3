// Strings come from translations/<language>.json (English is built in;
// another language is a file beside it, added to TRANSLATIONS).
import en from "./translations/en.json";

type Tree = { [key: string]: string | string[] | Tree };

const TRANSLATIONS: Record<string, Tree> = { en: en as Tree };

export type Localize = (key: string, placeholders?: Record<string, string | number>) => string;

function lookup(tree: Tree, key: string): string | string[] | undefined {
  let node: string | string[] | Tree | undefined = tree;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string" || Array.isArray(node)) return undefined;
    node = node[part];
  }
  return typeof node === "string" || Array.isArray(node) ? node : undefined;
}

/** A translator for `language` ("de-CH" falls back to "de", then English). */
export function makeLocalize(language: string | undefined): Localize {
  const chain = [language, language?.split("-")[0], "en"]
    .filter((code): code is string => !!code && code in TRANSLATIONS)
    .map((code) => TRANSLATIONS[code]);
  return (key, placeholders) => {
    let text: string | undefined;
    for (const tree of chain) {
      const found = lookup(tree, key);
      if (typeof found === "string") {
        text = found;
        break;
      }
    }
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      placeholders && name in placeholders ? String(placeholders[name]) : whole,
    );
  };
}

/** A translated list (weekday names). */
export function localizeList(language: string | undefined, key: string): string[] {
  for (const code of [language, language?.split("-")[0], "en"]) {
    if (code && code in TRANSLATIONS) {
      const found = lookup(TRANSLATIONS[code], key);
      if (Array.isArray(found)) return found;
    }
  }
  return [];
}
