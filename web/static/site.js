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

// A page that watches its case reloads itself when the case changes (server-sent events).
function watching() {
  const panel = document.querySelector("[data-watch]");
  if (!panel || !window.EventSource) return;
  const source = new EventSource(panel.dataset.watch);
  let first = null;
  source.addEventListener("version", (event) => {
    if (first === null) first = event.data;
    else if (event.data !== first && !document.querySelector("form textarea:focus, form input:focus")) {
      source.close();
      window.location.reload();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  countdowns();
  setInterval(countdowns, 30000);
  printing();
  watching();
});
