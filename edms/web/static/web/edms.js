// The UI's only script: forms marked data-api go to the REST API with the session cookie and
// the CSRF token (the same call on every form, so none can forget it); an answer of 202 is a
// background job, followed by polling its JSON until it finishes.
"use strict";

const POLL_MS = 400;

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describe(data) {
  if (!data || typeof data !== "object") return "the request failed";
  if (data.detail) return String(data.detail);
  const parts = Object.entries(data).map(([field, problems]) =>
    `${field.replace(/_/g, " ")}: ${[].concat(problems).map(describeItem).join(" ")}`);
  return parts.join("; ") || "the request failed";
}

function describeItem(item) {
  return typeof item === "object" ? describe(item) : String(item);
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    body,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const message = response.status === 413 || response.status >= 500 || !data
      ? (data && data.detail) || `the server answered ${response.status} ${response.statusText}`
      : describe(data);
    throw new ApiError(response.status, message);
  }
  return data;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function finished(job, done) {
  if (done === "verification") return job.verification.state !== "running";
  return job.status === "completed" || job.status === "failed";
}

// Poll a job until it finishes, showing its progress in `box`; returns the final job.
async function follow(url, box, done) {
  for (;;) {
    const job = await api("GET", url);
    showProgress(box, job);
    if (finished(job, done)) return job;
    await sleep(POLL_MS);
  }
}

function showProgress(box, job) {
  if (!box) return;
  box.hidden = false;
  const counts = job.progress_total ? ` ${job.progress_done} / ${job.progress_total}` : "";
  box.innerHTML = "";
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = job.percent || (job.status === "completed" ? 100 : 0);
  const text = document.createElement("span");
  text.className = "progress-text";
  text.textContent = `${job.status} · ${job.phase || "waiting"}${counts} (${job.percent}%)`;
  box.append(bar, text);
}

function showError(form, message) {
  const box = form.querySelector(".error");
  box.textContent = message;
  box.hidden = !message;
}

function jobFailure(job, done) {
  if (done === "verification") {
    const verification = job.verification;
    return verification.state === "failed" ? verification.error || "verification failed" : "";
  }
  return job.status === "failed" ? job.error || "the job failed" : "";
}

async function submitApiForm(form) {
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  showError(form, "");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const method = form.dataset.method || "POST";
    const body = method === "DELETE" ? undefined : new FormData(form);
    const data = await api(method, form.dataset.api, body);
    if (form.dataset.signsOut) {
      await followSigningOut(form, data);
      return;
    }
    if (form.dataset.follow && data && data.uuid) {
      const box = form.querySelector(".job-progress");
      const job = await follow(`${form.dataset.follow}${data.uuid}/`, box, form.dataset.done);
      const failure = jobFailure(job, form.dataset.done);
      // A failed verification is a result the page shows (a red badge with the reason).
      if (failure && form.dataset.done !== "verification") throw new Error(failure);
    }
    if (form.dataset.next) window.location.assign(form.dataset.next);
    else if (form.hasAttribute("data-reload")) window.location.reload();
    else button.disabled = false;
  } catch (error) {
    showError(form, error.message);
    button.disabled = false;
  }
}

// A reinit removes the account that started it: follow the job while the session lasts, then
// show its end page, which needs no login.
async function followSigningOut(form, job) {
  const end = `${form.dataset.signsOut}?job=${job.uuid}`;
  try {
    const final = await follow(`${form.dataset.follow}${job.uuid}/`, form.querySelector(".job-progress"));
    if (final.status === "failed") throw new Error(final.error || "the reinit failed");
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) throw error;
  }
  window.location.assign(end);
}

// Upload and restore: a dry run first, its plan shown, the restore only after confirmation.
function setUpRestore(form) {
  const planBox = document.getElementById("restore-plan");
  const progressBox = document.getElementById("restore-progress");
  let planned = null;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, "");
    planBox.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body = new FormData(form);
      body.set("dry_run", "true");
      const job = await api("POST", form.dataset.restore, body);
      planned = await follow(`${form.dataset.follow}${job.uuid}/`, null);
      if (planned.status === "failed") throw new Error(planned.error);
      showPlan(planBox, planned, body.get("clean") ? "clean" : "merge");
    } catch (error) {
      showError(form, error.message);
    } finally {
      button.disabled = false;
    }
  });

  // A package chosen from the catalog is planned at once: a dry run changes nothing.
  if (form.hasAttribute("data-autoplan")) form.requestSubmit();

  document.getElementById("restore-cancel").addEventListener("click", () => {
    planBox.hidden = true;
  });

  document.getElementById("restore-confirm").addEventListener("click", async () => {
    planBox.hidden = true;
    form.hidden = true;
    progressBox.hidden = false;
    const body = new FormData(form);
    body.delete("backup_file");
    try {
      const job = await api("POST", `${form.dataset.follow}${planned.uuid}/execute/`, body);
      const box = progressBox.querySelector(".job-progress");
      const final = await follow(`${form.dataset.follow}${job.uuid}/`, box);
      if (final.status === "failed") throw new Error(final.error);
      const done = progressBox.querySelector(".done");
      done.querySelector(".records").textContent = final.result.records;
      done.hidden = false;
    } catch (error) {
      showError(progressBox, error.message);
      form.hidden = false;
    }
  });
}

function showPlan(section, job, mode) {
  const rows = section.querySelector("tbody");
  rows.innerHTML = "";
  let total = 0;
  for (const [label, plan] of Object.entries(job.plan)) {
    total += plan.in_backup;
    const row = rows.insertRow();
    row.dataset.model = label;
    for (const value of [label, plan.in_backup, plan.create, plan.matched, plan.update, plan.conflict]) {
      row.insertCell().textContent = value;
    }
    if (plan.conflict) row.className = "conflict";
  }
  section.querySelector(".summary").textContent =
    `${total} records in the backup (${job.source_name}); mode: ${mode}, ` +
    `existing records: ${job.conflict_policy}.`;
  showPrivilegedChanges(section.querySelector(".privileged"), job.result || {});
  section.hidden = false;
}

// New or elevated superuser/staff accounts and replaced password hashes: listed by name; a
// restore applies them only when the box is ticked, unless this server made the package.
function showPrivilegedChanges(box, result) {
  const changes = result.privileged_changes || [];
  const list = box.querySelector("ul");
  list.innerHTML = "";
  for (const change of changes) {
    list.appendChild(document.createElement("li")).textContent = `${change.username}: ${change.change}`;
  }
  const allowedBy = result.privileged_changes_allowed_by;
  box.querySelector(".allowed-by").textContent = allowedBy ? `Allowed without asking: ${allowedBy}.` : "";
  box.querySelector(".allow").hidden = Boolean(allowedBy);
  box.hidden = changes.length === 0;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitApiForm(form);
    });
  }
  const restoreForm = document.querySelector("form[data-restore]");
  if (restoreForm) setUpRestore(restoreForm);
});

// Times: the server writes <time datetime="ISO">… UTC</time>, readable without JavaScript;
// here each is shown in the viewer's own time zone, named ("2026-12-01 17:20:44 CET"), with
// the UTC time and the zone's full name in its tooltip.
function showLocalTimes() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23", timeZoneName: "short",
  });
  for (const element of document.querySelectorAll("time[datetime]")) {
    const moment = new Date(element.dateTime);
    if (!element.dateTime.includes("T") || Number.isNaN(moment.getTime())) continue;
    const part = Object.fromEntries(format.formatToParts(moment).map((p) => [p.type, p.value]));
    element.title = `${element.textContent} · ${zone}`;
    element.textContent = `${part.year}-${part.month}-${part.day} ` +
      `${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
  }
}

document.addEventListener("DOMContentLoaded", showLocalTimes);
