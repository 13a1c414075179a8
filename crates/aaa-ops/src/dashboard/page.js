"use strict";
(function () {
  const csrf = document.body.dataset.csrf;
  const canForward = document.body.dataset.forward === "1";
  const MAX_ROWS = 200;   // the live buffer: older rows leave the page, not the store
  const FLASH_MAX = 20;   // larger batches are drawn without the highlight
  const SVG = "http://www.w3.org/2000/svg";
  const ORDER = ["stored", "duplicate", "crc_ok", "quarantined", "unauthorized", "crc_rejected", "store_unavailable", "bad_request", "too_large", "timeout"];
  const BAD = ["unauthorized", "crc_rejected", "store_unavailable", "bad_request", "too_large", "timeout", "quarantined"];
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const tbody = $("events").tBodies[0];
  let filters = { kind: "", user: "", text: "" };
  let pages = [];         // cursors of the pages shown before this one ("" = newest)
  let before = "";        // cursor to the page older than the one shown
  let more = false;       // whether the store has more beyond the page shown
  let examined = null;    // how many stored events the listing looked at, at most
  let live = null;
  let queued = [];        // live rows not drawn yet, oldest first (at most MAX_ROWS)
  let drawing = false;
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

  function rowEl(e, fresh) {
    const tr = el("tr");
    if (fresh) tr.className = "new";
    tr.dataset.id = e.id;
    const when = el("td", e.received_at.slice(11, 23));
    when.title = e.received_at;
    tr.appendChild(when);
    tr.appendChild(el("td", e.kind));
    tr.appendChild(el("td", e.for_user_id || "-"));
    tr.appendChild(el("td", e.preview, "preview"));
    return tr;
  }

  function status() {
    const n = tbody.rows.length;
    $("count").textContent = n + " shown" + (pages.length ? " (older page; live paused)" : " (live)");
    $("missed").textContent = missed ? missed + " more arrived than the page shows live; Newest reloads" : "";
    $("missed").classList.toggle("hidden", !missed);
    $("newer").disabled = pages.length === 0;
    $("older").disabled = !more;
    const s = $("searched");
    const partial = more && examined && n < 50;
    s.textContent = partial ? "Looked at about " + examined.toLocaleString("en") + " stored events for this filter" + (n ? "" : " without a match") + "; Older looks further back." : "";
    s.classList.toggle("hidden", !partial);
  }

  // Live rows are drawn once per frame: only the new rows are added, the oldest leave.
  function draw() {
    drawing = false;
    if (!queued.length) return;
    const batch = queued; queued = [];
    const flash = batch.length <= FLASH_MAX;
    const frag = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) frag.appendChild(rowEl(batch[i], flash));
    tbody.prepend(frag);
    while (tbody.rows.length > MAX_ROWS) tbody.lastElementChild.remove();
    status();
  }
  function schedule() { if (!drawing) { drawing = true; requestAnimationFrame(draw); } }

  async function load(cursor) {
    const page = await getJson("/api/events?" + qs({ before: cursor, limit: "50" }));
    queued = [];
    const frag = document.createDocumentFragment();
    for (const e of page.events) frag.appendChild(rowEl(e, false));
    tbody.replaceChildren(frag);
    before = page.before; more = page.more; examined = page.examined_at_most;
    missed = 0;
    status();
  }

  function connect() {
    if (live) live.close();
    live = new EventSource("/api/live?" + qs());
    live.onopen = () => { $("conn").textContent = "live"; $("conn").className = "pill ok"; };
    live.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "pill bad"; };
    live.addEventListener("events", (m) => {
      const batch = JSON.parse(m.data);
      if (pages.length) { missed += batch.length; status(); return; }
      queued = queued.concat(batch);
      if (queued.length > MAX_ROWS) queued = queued.slice(queued.length - MAX_ROWS);
      schedule();
    });
    live.addEventListener("missed", (m) => { missed += Number(m.data); status(); });
  }

  async function apply() {
    filters = { kind: $("f-kind").value.trim(), user: $("f-user").value.trim(), text: $("f-text").value };
    pages = [];
    await load("");
    connect();
  }

  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); apply(); });
  $("clear").addEventListener("click", () => { $("f-kind").value = ""; $("f-user").value = ""; $("f-text").value = ""; apply(); });
  $("older").addEventListener("click", async () => { if (!more) return; pages.push(before); await load(before); });
  $("newer").addEventListener("click", async () => { pages = []; await load(""); });

  $("events").addEventListener("click", async (ev) => {
    const tr = ev.target.closest("tr[data-id]");
    if (!tr) return;
    const d = await getJson("/api/event?id=" + encodeURIComponent(tr.dataset.id));
    $("detail").classList.remove("hidden");
    $("d-id").textContent = d.event.id;
    const meta = $("d-meta");
    meta.replaceChildren();
    const add = (k, v) => { meta.appendChild(el("dt", k)); meta.appendChild(el("dd", String(v))); };
    add("kind", d.event.kind);
    add("for user", d.event.for_user_id || "-");
    add("received", d.event.received_at);
    add("app", d.event.app);
    if (d.delivery) {
      add("signature", d.delivery.signature + " (" + d.delivery.secret + ")");
      add("delivery", d.delivery.id + ", " + d.delivery.body_bytes + " bytes, received " + d.delivery.received_at);
    } else add("delivery", "pruned");
    add("delivered again", d.duplicates == null ? "not counted by this store" : d.duplicates + " time" + (d.duplicates === 1 ? "" : "s") + " (duplicates dropped)");
    add("dedupe key", d.event.key);
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

  // Counters: a row per outcome and per kind, with its count over the last minutes.
  let steps = 119;
  function spark(recent) {
    // The whole window, zeros before the dashboard started counting.
    const values = new Array(Math.max(0, steps - recent.length)).fill(0).concat(recent.slice(-steps));
    const svg = document.createElementNS(SVG, "svg");
    const n = Math.max(values.length, 2);
    svg.setAttribute("viewBox", "0 0 " + (n - 1) + " 18");
    svg.setAttribute("preserveAspectRatio", "none");
    const peak = Math.max(0, ...values);
    const max = Math.max(1, peak);
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", values.map((v, i) => i + "," + (17 - (v / max) * 16).toFixed(1)).join(" "));
    svg.appendChild(line);
    const title = document.createElementNS(SVG, "title");
    title.textContent = "last 5 s: " + (values.length ? values[values.length - 1] : 0) + ", peak " + peak;
    svg.appendChild(title);
    return svg;
  }
  function counterRows(table, entries, series, alert) {
    const frag = document.createDocumentFragment();
    for (const [name, total] of entries) {
      const tr = el("tr");
      const recent = series[name] || [];
      if (!total) tr.className = "zero";
      else if (alert && alert(name)) tr.className = "alert";
      tr.appendChild(el("td", name.replace(/_/g, " ")));
      tr.appendChild(el("td", String(total), "n"));
      const td = el("td", undefined, "spark"); td.appendChild(spark(recent)); tr.appendChild(td);
      frag.appendChild(tr);
    }
    if (!entries.length) { const tr = el("tr"); tr.appendChild(el("td", "none yet", "muted")); frag.appendChild(tr); }
    table.tBodies[0].replaceChildren(frag);
  }
  async function stats() {
    try {
      const s = await getJson("/api/stats");
      const h = s.history;
      steps = h.steps;
      counterRows($("outcomes"), ORDER.filter((k) => k in s.outcomes).map((k) => [k, s.outcomes[k]]), h.outcomes, (n) => BAD.includes(n));
      counterRows($("kinds"), Object.entries(s.kinds).sort((a, b) => b[1] - a[1]), h.kinds);
      $("history-label").textContent = "per " + h.step_s + " s, last 10 minutes" + (h.until ? " (to " + h.until.replace("T", " ").replace("Z", "") + ")" : "");
      const t = $("totals"); t.replaceChildren();
      const totals = [["events stored", s.events_stored], ["duplicate events", s.duplicate_events], ["in store", s.store ? s.store.events : "?"], ["forwarded", s.forwarded], ["forward failures", s.forward_failures]];
      for (const [k, v] of totals) { const d = el("div"); d.appendChild(el("b", String(v))); d.appendChild(el("span", k, "muted")); t.appendChild(d); }
      if (s.store_error) t.appendChild(el("div", s.store_error, "bad small"));
      $("since").textContent = "since " + s.since;
      $("health").textContent = s.store_healthy ? "store ok" : "store failing";
      $("health").className = "pill " + (s.store_healthy ? "ok" : "bad");
    } catch (_) { $("health").textContent = "unreachable"; $("health").className = "pill bad"; }
  }

  const short = (t) => t.replace("T", " ").replace(/\.\d+Z$/, "").replace("Z", "");
  async function ops() {
    try {
      const s = await getJson("/api/ops");
      $("outage").classList.toggle("hidden", !s.outage_open);
      const w = $("webhooks");
      const pill = $("webhook-pill");
      if (s.watchdog.enabled) {
        w.replaceChildren(); w.className = "";
        if (s.watchdog.error) w.appendChild(el("div", "last check failed: " + s.watchdog.error, "bad"));
        if (s.watchdog.checked_ms) w.appendChild(el("div", "last checked " + new Date(s.watchdog.checked_ms).toISOString(), "muted small"));
        if (!s.watchdog.webhooks.length) w.appendChild(el("div", "no webhook of this app points here (yet)", "muted"));
        else {
          for (const x of s.watchdog.webhooks) {
            const item = el("div", undefined, "gap");
            const head = el("div");
            head.appendChild(el("b", x.valid === false ? "invalid" : x.valid ? "valid" : "unknown", x.valid === false ? "bad" : "good"));
            head.appendChild(el("span", " webhook " + x.id));
            item.appendChild(head);
            item.appendChild(el("div", x.url, "muted small"));
            item.appendChild(el("div", x.note, "small"));
            w.appendChild(item);
          }
        }
        const invalid = s.watchdog.webhooks.filter((x) => x.valid === false).length;
        pill.textContent = invalid ? invalid + " webhook invalid" : "webhook valid";
        pill.className = "pill " + (invalid ? "bad" : "ok");
        if (!s.watchdog.webhooks.length) pill.className = "pill hidden";
      }
      const lost = s.gaps.filter((x) => x.lost).length;
      $("lost").textContent = lost + " window" + (lost === 1 ? "" : "s") + " lost";
      $("lost").classList.toggle("hidden", !lost);
      const g = $("gaps");
      if (!s.journal) { g.textContent = "no gap journal"; return; }
      if (s.gaps_error) { g.className = "bad"; g.textContent = "gaps unknown: " + s.gaps_error; return; }
      if (!s.gaps.length) { g.className = "muted"; g.textContent = "no gap recorded"; }
      else {
        g.replaceChildren(); g.className = "";
        for (const x of s.gaps) {
          const item = el("div", undefined, "gap");
          const head = el("div");
          head.appendChild(el("b", x.cause.replace(/_/g, " ")));
          head.appendChild(el("span", " " + x.state, "state-" + x.state));
          const done = x.replays.filter((r) => r.state === "complete").length;
          if (x.replays.length) {
            const bar = el("span", undefined, "progress"); const fill = el("span");
            fill.style.width = Math.round((100 * done) / x.replays.length) + "%";
            bar.appendChild(fill);
            head.appendChild(el("span", " "));
            head.appendChild(bar);
            head.appendChild(el("span", done + " of " + x.replays.length + " replay job" + (x.replays.length === 1 ? "" : "s") + " complete", "small"));
          } else if (x.merged_into) head.appendChild(el("span", " replayed with window " + x.merged_into, "muted small"));
          item.appendChild(head);
          item.appendChild(el("div", "#" + x.id + "  " + short(x.from) + " → " + (x.to ? short(x.to) : "ongoing"), "muted small"));
          item.appendChild(el("div", x.detail, "small" + (x.lost ? " bad" : "")));
          for (const r of x.replays) {
            item.appendChild(el("div", "job " + (r.job_id || "-") + " (webhook " + r.webhook_id + ", " + short(r.from) + " → " + short(r.to) + "): " + r.state + (r.attempts > 1 ? ", " + r.attempts + " tries" : "") + (r.detail ? ", " + r.detail : ""), "small muted"));
          }
          g.appendChild(item);
        }
      }
    } catch (_) { /* shown by stats */ }
  }
  apply();
  stats(); ops();
  setInterval(stats, 2000);
  setInterval(ops, 3000);
})();
