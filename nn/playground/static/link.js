// A run's settings in the page's address, after the "#": dataset=moons&hidden=[8,8]&seed=1337…
// Each value is JSON (a bare word is a name). Reading a link only gathers the values: the
// session checks them as it checks the form's (parse_settings), so a link can ask for
// nothing the form cannot. A link too long to be a run's settings is refused here.
"use strict";

const MAX_LINK_CHARACTERS = 4096;

function settingsToHash(settings) {
  const parts = Object.entries(settings).map(([key, value]) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return `${encodeURIComponent(key)}=${encodeURIComponent(text)}`;
  });
  return `#${parts.join("&")}`;
}

// {settings} from a link's hash ("" when it has none), or {error} saying what is wrong.
function settingsFromHash(hash) {
  const text = hash.replace(/^#/, "");
  if (!text) return { settings: null };
  if (text.length > MAX_LINK_CHARACTERS) {
    return { error: `the link's settings are ${text.length} characters long; a run's take at ` +
      `most ${MAX_LINK_CHARACTERS}` };
  }
  const settings = new Map();  // a Map: a key named __proto__ is just a key
  for (const part of text.split("&")) {
    const cut = part.indexOf("=");
    let key; let raw;
    try {
      key = decodeURIComponent(cut < 0 ? part : part.slice(0, cut));
      raw = decodeURIComponent(cut < 0 ? "" : part.slice(cut + 1));
    } catch (error) {
      return { error: `the link's settings are not readable: ${part.slice(0, 40)}` };
    }
    if (cut < 0) return { error: `the link's setting ${key.slice(0, 40)} has no value (name=value)` };
    if (settings.has(key)) return { error: `the link gives ${key.slice(0, 40)} twice` };
    let value;
    try { value = JSON.parse(raw); } catch (error) { value = raw; }
    settings.set(key, value);
  }
  return { settings: Object.fromEntries(settings) };
}
