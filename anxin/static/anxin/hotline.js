// anxin hotline: the operator screen of a live call. The page works without this file (plain
// POST); with it, the form is saved as a draft on the server every few seconds and on each
// change, and a copy is kept in this browser (localStorage) until the server has it, so that a
// closed browser or a dropped line loses nothing: reopening the call restores what was typed.
(() => {
  "use strict";
  const PREFIX = "anxin-hotline-draft:";
  const SAVE_EVERY_MS = 5000;
  const SAVE_AFTER_CHANGE_MS = 1200;
  const KEEP_LOCAL_DAYS = 7;

  const readLocal = (key) => {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  };
  const writeLocal = (key, value) => {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // A full or disabled storage: the server draft still holds the call.
    }
  };
  const removeLocal = (key) => {
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      // nothing to do
    }
  };

  // Copies the server already has, and old ones, are not kept.
  const tidy = () => {
    let keys = [];
    try {
      keys = Object.keys(window.localStorage).filter((k) => k.startsWith(PREFIX));
    } catch (error) {
      return;
    }
    const oldest = Date.now() - KEEP_LOCAL_DAYS * 24 * 3600 * 1000;
    keys.forEach((key) => {
      const copy = readLocal(key);
      if (!copy || copy.at < oldest) removeLocal(key);
    });
  };
  document.querySelectorAll("[data-clear-draft]").forEach((el) => {
    removeLocal(PREFIX + el.getAttribute("data-clear-draft"));
  });
  tidy();

  const form = document.querySelector("form[data-draft-url]");
  if (!form) return;
  const key = PREFIX + form.getAttribute("data-call-id");
  const url = form.getAttribute("data-draft-url");
  const status = document.getElementById("draft-status");
  const crisis = document.getElementById("crisis-banner");
  const restored = document.getElementById("restored-banner");
  const token = () => (form.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

  const fields = () => {
    const pairs = [];
    new FormData(form).forEach((value, name) => {
      if (name !== "csrfmiddlewaretoken" && name !== "action") pairs.push([name, String(value)]);
    });
    return pairs;
  };
  const snapshot = () => JSON.stringify(fields());

  const restore = (pairs) => {
    const values = new Map();
    pairs.forEach(([name, value]) => {
      if (!values.has(name)) values.set(name, []);
      values.get(name).push(value);
    });
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") return;
      const given = values.get(el.name) || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = given.includes(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.from(el.options).forEach((o) => { o.selected = given.includes(o.value); });
      } else {
        el.value = given.length ? given[0] : "";
      }
    });
  };

  let lastSaved = snapshot();
  let sending = false;
  let timer = null;

  const show = (text) => { if (status) status.textContent = text; };
  const keepLocal = () => {
    const now = snapshot();
    writeLocal(key, { fields: JSON.parse(now), synced: now === lastSaved, at: Date.now() });
  };

  const save = async () => {
    const body = snapshot();
    if (sending || body === lastSaved) return;
    sending = true;
    try {
      const response = await fetch(url, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": token(), Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok && answer.saved) {
        lastSaved = body;
        keepLocal();
        show(`${status.getAttribute("data-saved")} ${answer.saved_at}`);
        if (crisis) crisis.classList.toggle("d-none", !answer.positive);
      } else if (response.status === 422) {
        show(`${status.getAttribute("data-refused")} ${(answer.errors || []).join(" ")}`);
      } else {
        show(status.getAttribute("data-failed"));
      }
    } catch (error) {
      show(status.getAttribute("data-failed"));
    } finally {
      sending = false;
    }
  };

  const changed = () => {
    keepLocal();
    window.clearTimeout(timer);
    timer = window.setTimeout(save, SAVE_AFTER_CHANGE_MS);
  };

  // Reopening the call: what this browser typed and the server never got comes back.
  const copy = readLocal(key);
  if (copy && Array.isArray(copy.fields) && JSON.stringify(copy.fields) === lastSaved) {
    keepLocal();
  } else if (copy && copy.synced === false && Array.isArray(copy.fields)) {
    restore(copy.fields);
    if (restored) restored.classList.remove("d-none");
    save();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.setInterval(save, SAVE_EVERY_MS);

  // The page is closing (or a call-back form is sent): hand the last state to the server.
  const flush = () => {
    if (snapshot() === lastSaved) return;
    keepLocal();
    if (navigator.sendBeacon) navigator.sendBeacon(url, new FormData(form));
  };
  window.addEventListener("pagehide", flush);
  document.querySelectorAll("form[data-saves-draft]").forEach((other) => {
    other.addEventListener("submit", flush);
  });

  // Enter moves to the next field instead of sending the form (in a text area it is a new line).
  form.addEventListener("keydown", (event) => {
    const el = event.target;
    if (event.key !== "Enter" || el.tagName === "TEXTAREA" || el.tagName === "BUTTON") return;
    event.preventDefault();
    const focusable = Array.from(form.elements).filter(
      (f) => !f.disabled && f.type !== "hidden" && f.tabIndex >= 0 && f.offsetParent !== null,
    );
    const next = focusable[focusable.indexOf(el) + 1];
    if (next) next.focus();
  });

  // Finishing the call: the server copy becomes the record, the browser copy is dropped then
  // (by the page after the finish); a logout drops copies the server already has.
  document.querySelectorAll("form[action$='/logout/']").forEach((logout) => {
    logout.addEventListener("submit", () => {
      if (snapshot() === lastSaved) removeLocal(key);
    });
  });

  // How long the call has been going on.
  const elapsed = document.getElementById("call-elapsed");
  const started = elapsed ? Date.parse(elapsed.getAttribute("data-started")) : NaN;
  if (elapsed && !Number.isNaN(started)) {
    const tick = () => {
      const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      const minutes = Math.floor(seconds / 60);
      elapsed.textContent = `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
