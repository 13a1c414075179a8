"use strict";
(function () {
  const csrf = document.body.dataset.csrf;
  const canForward = document.body.dataset.forward === "1";
  const MAX_ROWS = 200; // the live buffer: older rows are dropped from the page, not from the store
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  let filters = { kind: "", user: "", text: "" };
  let rows = [];          // newest first
  let pages = [];         // cursors of the pages shown before this one ("" = newest)
  let before = "";        // cursor to the page older than the one shown
  let live = null;
  let pending = false;
  let missed = 0;

  function qs(extra) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    for (const [k, v] of Object.entries(extra || {})) if (v) p.set(k, v);
    return p.toString();
  }

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.status);
    return r.json();
  }

  function render() {
    pending = false;
    const body = $("events").tBodies[0];
    const frag = document.createDocumentFragment();
    for (const e of rows) {
      const tr = el("tr");
      if (e.fresh) { tr.className = "new"; e.fresh = false; }
      tr.dataset.id = e.id;
      tr.appendChild(el("td", e.received_at.replace("T", " ").replace("Z", "")));
      tr.appendChild(el("td", e.kind));
      tr.appendChild(el("td", e.for_user_id || "-"));
      tr.appendChild(el("td", e.preview, "preview"));
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    $("count").textContent = rows.length + " shown" + (pages.length ? " (older page; live paused)" : " (live)");
    $("missed").textContent = missed ? missed + " more arrived than the page shows live; Newest reloads" : "";
    $("missed").classList.toggle("hidden", !missed);
    $("newer").disabled = pages.length === 0;
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(render); } }

  async function load(cursor) {
    const page = await getJson("/api/events?" + qs({ before: cursor, limit: "50" }));
    rows = page.events;
    before = page.more ? page.before : "";
    $("older").disabled = !before;
    missed = 0;
    schedule();
  }

  function connect() {
    if (live) live.close();
    live = new EventSource("/api/live?" + qs());
    live.onopen = () => { $("conn").textContent = "live"; $("conn").className = "pill ok"; };
    live.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "pill bad"; };
    live.addEventListener("events", (m) => {
      if (pages.length) { missed += JSON.parse(m.data).length; schedule(); return; }
      const batch = JSON.parse(m.data);
      for (const e of batch) e.fresh = true;
      rows = batch.reverse().concat(rows);
      if (rows.length > MAX_ROWS) { rows.length = MAX_ROWS; before = rows[rows.length - 1] ? before : before; }
      schedule();
    });
    live.addEventListener("missed", (m) => { missed += Number(m.data); schedule(); });
  }

  async function apply() {
    filters = { kind: $("f-kind").value.trim(), user: $("f-user").value.trim(), text: $("f-text").value };
    pages = [];
    await load("");
    connect();
  }

  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); apply(); });
  $("clear").addEventListener("click", () => { $("f-kind").value = ""; $("f-user").value = ""; $("f-text").value = ""; apply(); });
  $("older").addEventListener("click", async () => { if (!before) return; pages.push(before); await load(before); });
  $("newer").addEventListener("click", async () => { pages = []; await load(""); });

  $("events").addEventListener("click", async (ev) => {
    const tr = ev.target.closest("tr[data-id]");
    if (!tr) return;
    const d = await getJson("/api/event?id=" + encodeURIComponent(tr.dataset.id));
    $("detail").classList.remove("hidden");
    $("d-id").textContent = d.event.id;
    const meta = $("d-meta");
    meta.replaceChildren();
    const add = (k, v) => { const div = el("div"); div.appendChild(el("b", String(v))); div.appendChild(el("span", k, "muted")); meta.appendChild(div); };
    add("kind", d.event.kind);
    add("for user", d.event.for_user_id || "-");
    add("received", d.event.received_at);
    add("duplicates after it", d.duplicates == null ? "?" : d.duplicates);
    if (d.delivery) {
      add("signature", d.delivery.signature + " (" + d.delivery.secret + ")");
      add("delivery", d.delivery.id + ", " + d.delivery.body_bytes + " bytes");
      add("app", d.delivery.app);
    } else add("delivery", "pruned");
    add("key", d.event.key);
    let pretty = d.event.raw;
    try { pretty = JSON.stringify(JSON.parse(d.event.raw), null, 2); } catch (_) { /* shown raw */ }
    $("d-pretty").textContent = pretty;
    $("d-raw").textContent = d.event.raw;
    $("redeliver").classList.toggle("hidden", !(canForward && d.can_redeliver));
    $("redeliver").dataset.id = d.event.id;
    $("redeliver-result").textContent = "";
  });
  $("d-close").addEventListener("click", () => $("detail").classList.add("hidden"));
  $("redeliver").addEventListener("click", async () => {
    const r = await fetch("/api/redeliver", { method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-aaa-csrf": csrf },
      body: JSON.stringify({ id: $("redeliver").dataset.id }) });
    const j = await r.json().catch(() => ({}));
    $("redeliver-result").textContent = r.ok ? "sent: the app answered " + j.status : "failed: " + (j.error || r.status);
  });

  let lastStored = null; const rates = [];
  function drawRate() {
    const c = $("rate"), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const max = Math.max(1, ...rates);
    g.strokeStyle = "#1d6fdc"; g.lineWidth = 2; g.beginPath();
    rates.forEach((v, i) => { const x = (i / 59) * c.width, y = c.height - 4 - (v / max) * (c.height - 8); i ? g.lineTo(x, y) : g.moveTo(x, y); });
    g.stroke();
    $("rate-label").textContent = "stored events per second, last 2 minutes (peak " + max.toFixed(1) + ")";
  }
  async function stats() {
    try {
      const s = await getJson("/api/stats");
      const o = $("outcomes"); o.replaceChildren();
      for (const [k, v] of Object.entries(s.outcomes)) { const d = el("div"); d.appendChild(el("b", String(v))); d.appendChild(el("span", k.replace("_", " "), "muted")); o.appendChild(d); }
      const extra = [["events stored", s.events_stored], ["duplicate events", s.duplicate_events], ["in store", s.store ? s.store.events : "?"], ["forwarded", s.forwarded]];
      for (const [k, v] of extra) { const d = el("div"); d.appendChild(el("b", String(v))); d.appendChild(el("span", k, "muted")); o.appendChild(d); }
      $("since").textContent = "since " + s.since;
      $("health").textContent = s.store_healthy ? "store ok" : "store failing";
      $("health").className = "pill " + (s.store_healthy ? "ok" : "bad");
      if (lastStored !== null) { rates.push(Math.max(0, (s.events_stored - lastStored) / 2)); if (rates.length > 60) rates.shift(); drawRate(); }
      lastStored = s.events_stored;
      const kb = $("kinds").tBodies[0]; kb.replaceChildren();
      const kinds = Object.entries(s.kinds).sort((a, b) => b[1] - a[1]);
      if (!kinds.length) { const tr = el("tr"); tr.appendChild(el("td", "none yet", "muted")); kb.appendChild(tr); }
      for (const [k, v] of kinds) { const tr = el("tr"); tr.appendChild(el("td", k)); tr.appendChild(el("td", String(v))); kb.appendChild(tr); }
    } catch (_) { $("health").textContent = "unreachable"; $("health").className = "pill bad"; }
  }
  async function ops() {
    try {
      const s = await getJson("/api/ops");
      $("outage").classList.toggle("hidden", !s.outage_open);
      $("outage").className = s.outage_open ? "pill bad" : "pill hidden";
      const w = $("webhooks");
      if (s.watchdog.enabled) {
        w.replaceChildren(); w.className = "";
        if (s.watchdog.error) w.appendChild(el("div", "last check failed: " + s.watchdog.error, "bad"));
        if (!s.watchdog.webhooks.length) w.appendChild(el("div", "no webhook of this app points here (yet)", "muted"));
        for (const h of s.watchdog.webhooks) {
          const d = el("div");
          d.appendChild(el("b", h.valid === false ? "invalid " : "valid ", h.valid === false ? "bad" : "good"));
          d.appendChild(el("span", h.id + " " + h.url + " — " + h.note));
          w.appendChild(d);
        }
      }
      const g = $("gaps");
      if (s.gaps.length) {
        g.replaceChildren(); g.className = "";
        const t = el("table"); const head = el("tr");
        for (const h of ["from", "to", "cause", "state", "what was done"]) head.appendChild(el("th", h));
        t.appendChild(head);
        for (const x of s.gaps) {
          const tr = el("tr");
          tr.appendChild(el("td", x.from)); tr.appendChild(el("td", x.to || "ongoing"));
          tr.appendChild(el("td", x.cause)); tr.appendChild(el("td", x.state, "state-" + x.state));
          const jobs = x.replays.map((r) => (r.job_id || "-") + " " + r.state + (r.attempts > 1 ? " (" + r.attempts + " tries)" : "")).join(", ");
          tr.appendChild(el("td", x.detail + (jobs ? " — jobs: " + jobs : ""), x.lost ? "bad" : ""));
          t.appendChild(tr);
        }
        g.appendChild(t);
      }
    } catch (_) { /* shown by stats */ }
  }
  apply();
  stats(); ops();
  setInterval(stats, 2000);
  setInterval(ops, 3000);
})();
