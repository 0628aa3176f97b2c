// Progressive enhancement of the conversation: each step is posted in the
// background and the returned fragment replaces the page's conversation, so the
// customer never waits for a full reload and focus lands on the new question.
// Without this script the same forms work as plain page loads.
(function () {
  "use strict";
  var root = document.querySelector("[data-conversation]");
  if (!root) { return; }
  var lastDigit = null;
  var lastDigitAt = 0;

  function swap(html) {
    root.innerHTML = html;
    var prompt = root.querySelector("#prompt");
    var announcer = document.getElementById("announcer");
    if (announcer) {
      var alert = root.querySelector("[role='alert']");
      announcer.textContent = alert ? "" : (prompt ? prompt.textContent.trim() : "");
    }
    // A scale or choice sent without a choice: focus goes to the error, which says
    // what is missing (a text step keeps focus on its question, by the kept answer).
    var error = root.querySelector("#value-error");
    var step = root.querySelector("form[data-step]");
    var choosing = step && !step.querySelector("textarea, input[type='text']");
    if (error && choosing) {
      error.focus({ preventScroll: true });
      (prompt || error).scrollIntoView({ block: "start" });
    } else if (prompt) {
      // Bring the new question to the top (below the sticky header), not the bottom.
      prompt.focus({ preventScroll: true });
      prompt.scrollIntoView({ block: "start" });
    }
    enhance();
  }

  function request(url, options) {
    options.headers = { "X-Conversation-Fragment": "1" };
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.text().then(function (html) {
        if (response.status >= 500) { throw new Error("server error"); }
        swap(html);
      });
    });
  }

  function onSubmit(event) {
    var form = event.target.closest("form[data-step]");
    if (!form) { return; }
    event.preventDefault();
    var data = new FormData(form, event.submitter || undefined);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    request(form.action, { method: "POST", body: data }).catch(function () {
      // Network trouble: fall back to a normal submit, which keeps the answer.
      buttons.forEach(function (button) { button.disabled = false; });
      form.submit();
    });
  }

  function onClick(event) {
    var link = event.target.closest("a[data-change]");
    if (!link) { return; }
    event.preventDefault();
    request(link.href, { method: "GET" }).catch(function () { window.location = link.href; });
  }

  // On an NPS step, keys 0-9 choose a score; "1" then "0" quickly chooses 10.
  function onKey(event) {
    var form = root.querySelector("form[data-step][data-type='nps']");
    if (!form || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target.matches("textarea, input[type='text']")) { return; }
    if (!/^[0-9]$/.test(event.key)) { return; }
    var now = Date.now();
    var score = event.key;
    if (score === "0" && lastDigit === "1" && now - lastDigitAt < 700) { score = "10"; }
    lastDigit = event.key;
    lastDigitAt = now;
    var radio = form.querySelector("input[name='value'][value='" + score + "']");
    if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
  }

  function enhance() {
    root.querySelectorAll("textarea[data-max-length]").forEach(function (area) {
      var limit = parseInt(area.getAttribute("data-max-length"), 10);
      var count = root.querySelector("#value-count");
      function update() {
        area.style.height = "auto";
        area.style.height = area.scrollHeight + 4 + "px";
        if (count) { count.textContent = area.value.length + " / " + limit; }
      }
      area.addEventListener("input", update);
      update();
    });
  }

  root.addEventListener("submit", onSubmit);
  root.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);
  enhance();
}());
