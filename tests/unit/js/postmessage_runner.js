// Runs the development client's page script in Node with a stand-in DOM, delivers Host_PostmessageReady,
// then performs the steps named on the command line ("click:<button id>" or "message:<JSON message>"),
// and prints every PostMessage the page sent (and how many of them before the host was ready), as JSON.
// Every fetch answers 200 with the JSON in the FETCH_JSON environment variable ({} by default). The elements
// the page created with an id, and the page's fetches, are printed too.
"use strict";
const fs = require("fs");
const [script, bootJson, ...steps] = process.argv.slice(2);
const realSetTimeout = setTimeout;

function stub() {
  const target = function () {};
  const proxy = new Proxy(target, {
    get(t, key) {
      if (key === Symbol.toPrimitive) return () => "";
      if (key === Symbol.iterator) return function* () {};
      if (key === "then") return undefined;
      return proxy;
    },
    set() { return true; },
    apply() { return proxy; },
    construct() { return proxy; },
  });
  return proxy;
}

const elements = [];
function element() {
  const own = { handlers: {}, addEventListener(type, handler) { own.handlers[type] = handler; } };
  const proxy = new Proxy(own, {
    get(t, key) { return key in t ? t[key] : stub(); },
    set(t, key, value) { t[key] = value; return true; },
  });
  elements.push(proxy);
  return proxy;
}

const sent = [];
const bootElement = { textContent: bootJson };
global.document = new Proxy({}, {
  get(t, key) {
    if (key === "getElementById") return (id) => (id === "devclient-boot" ? bootElement : stub());
    if (key === "createElement") return element;
    return stub();
  },
});
global.window = {
  parent: { postMessage: (data, origin) => sent.push({ message: JSON.parse(data), origin }) },
  devclientEarlyMessages: [],
  addEventListener() {},
  location: stub(),
  top: stub(),
  open() {},
};
const fetchJson = process.env.FETCH_JSON || "{}";
const fetched = [];
global.fetch = (url, options) => fetched.push({ url, body: (options && options.body) || "" }) && Promise.resolve({ status: 200, ok: true, text: () => Promise.resolve(fetchJson), json: () => Promise.resolve(JSON.parse(fetchJson)) });
global.setTimeout = () => 0;
global.clearTimeout = () => {};

eval(fs.readFileSync(script, "utf8"));
const beforeReady = sent.length;
const origin = JSON.parse(bootJson).postMessage.origin;
const ready = { MessageId: "Host_PostmessageReady", SendTime: Date.now(), Values: {} };
window.devclientEarlyMessages.push({ origin, data: JSON.stringify(ready) });
for (const step of steps) {
  const [kind, argument] = [step.slice(0, step.indexOf(":")), step.slice(step.indexOf(":") + 1)];
  if (kind === "message") {
    window.devclientEarlyMessages.push({ origin, data: argument });
    continue;
  }
  const button = elements.find((candidate) => candidate.id === argument);
  if (!button) {
    throw new Error("no button " + argument);
  }
  button.handlers.click();
}
// Answers to fetch arrive as promises; the page's reactions to them are printed once they ran.
const text = (value) => (typeof value === "string" ? value : "");
const shown = () => elements.filter((e) => typeof e.id === "string").map((e) => ({ id: e.id, text: text(e.textContent) }));
realSetTimeout(() => console.log(JSON.stringify({ beforeReady, sent, elements: shown(), fetched })), 50);
