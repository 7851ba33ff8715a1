// Progressive enhancement only: every page works without it.
"use strict";

// Countdowns: "2 d 3 h left" beside each deadline, kept current, in the page's words (the body
// carries them from the catalogs).
function countdowns() {
  const words = document.body.dataset;
  const say = (pattern, value) => pattern.replace("{n}", value).replace("{span}", value);
  for (const el of document.querySelectorAll("time.countdown")) {
    if (!el.dataset.text) el.dataset.text = el.textContent;
    const due = new Date(el.getAttribute("datetime"));
    let left = Math.round((due - Date.now()) / 60000);
    const late = left < 0;
    left = Math.abs(left);
    const d = Math.floor(left / 1440), h = Math.floor((left % 1440) / 60), m = left % 60;
    const parts = [];
    if (d) parts.push(say(words.day, d));
    if (h) parts.push(say(words.hour, h));
    if (!d) parts.push(say(words.minute, m));
    el.textContent = say(late ? words.late : words.left, parts.join(" "));
    el.title = el.dataset.text;
    el.classList.toggle("late", late);
  }
}

// A receipt's print button.
function printing() {
  for (const button of document.querySelectorAll("button.print")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
}

// A case page (and the queue) shows its case as it is now: told by server-sent events that the
// case has a newer revision, it fetches itself and puts the new case in place of the old. If the
// reader has begun filling in a form, it leaves the page alone and says the case has changed.
function watching() {
  const live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) return;
  let edited = false;
  live.addEventListener("input", () => { edited = true; });
  const source = new EventSource(live.dataset.watch);
  source.addEventListener("version", async (event) => {
    if (Number(event.data) <= Number(live.dataset.revision)) return;
    if (edited) {
      document.getElementById("live-note").hidden = false;
      return;
    }
    const answer = await fetch(window.location.pathname + window.location.search, { headers: { accept: "text/html" } });
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = page.getElementById("live");
    if (!fresh || Number(fresh.dataset.revision) <= Number(live.dataset.revision)) return;
    live.replaceChildren(...fresh.childNodes);
    live.dataset.revision = fresh.dataset.revision;
    countdowns();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  countdowns();
  setInterval(countdowns, 30000);
  printing();
  watching();
});
