// The registration page: files dropped or chosen are each sent to POST /api/v1/works with the
// form's fields (the API's names; a textarea's lines become a repeated field), each with its own
// upload progress bar; a video is sent with "Prefer: respond-async" and its job polled until done.
// Without this script the form posts to /register and registers one file.
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  var zone = document.getElementById("register-drop");
  var input = document.getElementById("register-files");
  var list = document.getElementById("register-list");
  var section = document.getElementById("register-uploads");
  var template = document.getElementById("register-item");
  var messages = document.getElementById("register-messages");
  if (!form || !zone || !input || !list || !template || !window.FormData || !window.XMLHttpRequest) { return; }
  var LINES = { datasets: "dataset", editors: "editor", parents: "parent", edit_actions: "edit_action" };
  var VIDEO = /\.(mp4|m4v|mov|avi)$/i;
  var POLL_MS = 1000;

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });

  function fields(file) {
    var data = new FormData();
    data.append("file", file, file.name);
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.name === "file" || element.name === "csrf_token") { return; }
      if (element.type === "checkbox") {
        if (element.checked) { data.append(element.name, "true"); }
        return;
      }
      if (LINES[element.name]) {
        element.value.split(/\r?\n/).forEach(function (line) {
          if (line.trim()) { data.append(LINES[element.name], line.trim()); }
        });
        return;
      }
      if (element.value.trim()) { data.append(element.name, element.value.trim()); }
    });
    return data;
  }

  function errorOf(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      return (body.error && body.error.message) || xhr.statusText;
    } catch (e) {
      return xhr.status + " " + xhr.statusText;
    }
  }

  function request(method, url, body, headers, onDone, onProgress) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("Accept", "application/json");
    if (form.dataset.csrf) { xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf); }
    Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
    if (onProgress && xhr.upload) {
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { onProgress(event.loaded / event.total); }
      });
    }
    xhr.addEventListener("load", function () { onDone(xhr); });
    xhr.addEventListener("error", function () { onDone(xhr); });
    xhr.send(body);
  }

  function finished(item, work) {
    var result = item.querySelector(".upload-result");
    result.textContent = messages.dataset.done + " ";
    var link = document.createElement("a");
    link.href = "/works/" + encodeURIComponent(work.work_id);
    link.textContent = work.title || work.work_id;
    result.appendChild(link);
    item.classList.add("good");
  }

  function failed(item, message) {
    item.querySelector(".upload-result").textContent = messages.dataset.failed + " " + message;
    item.classList.add("bad");
  }

  function poll(item, url) {
    var job = item.querySelector(".upload-job");
    job.hidden = false;
    request("GET", url, null, {}, function (xhr) {
      if (xhr.status !== 200) { failed(item, errorOf(xhr)); return; }
      var state = JSON.parse(xhr.responseText);
      item.querySelector(".upload-stage").textContent = state.stage || messages.dataset.queued;
      item.querySelector(".job-progress").value = state.progress || 0;
      if (state.state === "done") { finished(item, state.result); return; }
      if (state.state === "failed") { failed(item, (state.error && state.error.error && state.error.error.message) || state.status); return; }
      window.setTimeout(function () { poll(item, url); }, POLL_MS);
    });
  }

  function upload(file) {
    var item = template.content.firstElementChild.cloneNode(true);
    item.querySelector(".upload-name").textContent = file.name;
    list.appendChild(item);
    var bar = item.querySelector(".upload-progress");
    var video = (file.type && file.type.indexOf("video/") === 0) || VIDEO.test(file.name);
    var headers = video ? { Prefer: "respond-async" } : {};
    request("POST", "/api/v1/works", fields(file), headers, function (xhr) {
      bar.value = 1;
      if (xhr.status === 201) { finished(item, JSON.parse(xhr.responseText)); return; }
      if (xhr.status === 202) { poll(item, JSON.parse(xhr.responseText).url); return; }
      failed(item, errorOf(xhr));
    }, function (share) { bar.value = share; });
  }

  // parents chosen by search: the organisation's works matching the words, each added with a click
  var finder = document.getElementById("parent-search");
  var query = document.getElementById("parent-query");
  var results = document.getElementById("parent-results");
  var parents = document.getElementById("register-parents");
  function addParent(workId) {
    var ids = parents.value.split(/\r?\n/).map(function (line) { return line.trim(); }).filter(Boolean);
    if (ids.indexOf(workId) < 0) { ids.push(workId); }
    parents.value = ids.join("\n");
  }
  function findParents() {
    var url = "/api/v1/works/search?limit=10&q=" + encodeURIComponent(query.value.trim()) +
      (finder.dataset.org ? "&org=" + encodeURIComponent(finder.dataset.org) : "");
    request("GET", url, null, {}, function (xhr) {
      results.textContent = "";
      var works = xhr.status === 200 ? JSON.parse(xhr.responseText).works : [];
      if (!works.length) {
        var none = document.createElement("li");
        none.textContent = xhr.status === 200 ? finder.dataset.none : errorOf(xhr);
        results.appendChild(none);
      }
      works.forEach(function (work) {
        var item = document.createElement("li");
        var add = document.createElement("button");
        add.type = "button";
        add.textContent = finder.dataset.add;
        add.addEventListener("click", function () { addParent(work.work_id); });
        item.appendChild(document.createTextNode(work.title + " (" + work.kind + ", " + work.work_id + ") "));
        item.appendChild(add);
        results.appendChild(item);
      });
    });
  }
  if (finder && query && results && parents) {
    finder.hidden = false;
    document.getElementById("parent-find").addEventListener("click", findParents);
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); findParents(); }
    });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    section.hidden = false;
    Array.prototype.forEach.call(input.files, upload);
  });
}());
