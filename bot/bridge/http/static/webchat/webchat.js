/* Web chat for CLB Vì trẻ em vùng cao. Plain JS, no dependencies. */
(function () {
  "use strict";

  var API = "/chat/api/messages";
  var POLL_MS = 1000;
  var MAX_LEN = 2000;
  var COUNTER_FROM = 1800;
  var SESSION_KEY = "webchat_session_id";
  var NETWORK_ERROR = "Không gửi được tin nhắn, bạn thử lại nhé.";

  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), input = $("input"), form = $("composer"), errorEl = $("error");
  var counter = $("counter"), starters = $("starters");

  var sessionId = loadSession();
  var lastId = 0;        // highest server message id rendered so far
  var outbox = [];       // optimistic user bubbles not yet echoed back by the server
  var timer = null, polling = false, pollAgain = false;

  // localStorage can throw (private mode, disabled storage); fall back to memory.
  function storageGet(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function storageSet(key, val) { try { localStorage.setItem(key, val); } catch (e) { /* memory only */ } }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 v4 bits
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function loadSession() {
    var id = storageGet(SESSION_KEY);
    if (!id) { id = newId(); storageSet(SESSION_KEY, id); }
    return id;
  }

  function channel() {
    var checked = document.querySelector('input[name="channel"]:checked');
    return checked ? checked.value : "web";
  }

  // The channel only restyles bot bubbles, via a class on the log.
  function applyChannel() {
    log.classList.remove("channel-web", "channel-messenger", "channel-zalo");
    log.classList.add("channel-" + channel());
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text; // never innerHTML: server text is untrusted
    return node;
  }

  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 60; }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // Append to the log, keeping the typing indicator as the last child.
  function append(node) {
    var stick = nearBottom();
    var typing = $("typing");
    log.insertBefore(node, typing);
    if (stick) scrollDown();
  }

  function updateStarters() { starters.hidden = !!log.querySelector(".msg"); }

  function showError(text) { errorEl.textContent = text || ""; errorEl.hidden = !text; }

  function renderUser(text, id) {
    var node = el("div", "msg user", text);
    if (id != null) node.dataset.id = id;
    append(node);
    return node;
  }

  function renderBot(m) {
    var node = el("div", "msg bot");
    node.dataset.id = m.id;
    if (m.text) node.appendChild(el("div", "text", m.text));
    var src = typeof m.image === "string" ? m.image : (m.image && m.image.url);
    if (src && /^(https?:|\/|data:image\/)/i.test(src)) {
      var img = el("img");
      img.alt = "";
      img.addEventListener("load", function () { if (nearBottom()) scrollDown(); });
      img.src = src;
      node.appendChild(img);
    }
    if (Array.isArray(m.buttons) && m.buttons.length) {
      var chips = el("div", "chips");
      m.buttons.forEach(function (b) {
        var chip = el("button", "chip", b.title);
        chip.type = "button";
        chip.addEventListener("click", function () {
          var all = chips.querySelectorAll("button");
          all.forEach(function (c) { c.disabled = true; });
          send(b.payload || b.title, b.title, all);
          input.focus();
        });
        chips.appendChild(chip);
      });
      node.appendChild(chips);
    }
    append(node);
  }

  // A user message from the server may be the echo of a bubble we already
  // showed optimistically; match it by message_id or text and skip it.
  function isEcho(m) {
    for (var i = 0; i < outbox.length; i++) {
      var o = outbox[i];
      if ((o.messageId != null && String(o.messageId) === String(m.id)) ||
          m.text === o.display || m.text === o.text) {
        o.node.dataset.id = m.id;
        outbox.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  function setTyping(on) {
    var typing = $("typing");
    if (on && !typing) {
      var stick = nearBottom();
      typing = el("div", "typing");
      typing.id = "typing";
      typing.appendChild(el("span", "sr-only", "Đang trả lời…"));
      for (var i = 0; i < 3; i++) typing.appendChild(el("span", "dot")).setAttribute("aria-hidden", "true");
      log.appendChild(typing);
      if (stick) scrollDown();
    } else if (!on && typing) {
      typing.remove();
    }
  }

  function render(data) {
    (data.messages || []).forEach(function (m) {
      var id = Number(m.id);
      if (!(id > lastId)) return; // already seen
      lastId = id;
      if (m.from === "user") { if (!isEcho(m)) renderUser(m.text, m.id); }
      else renderBot(m);
    });
    setTyping(!!data.pending);
    updateStarters();
  }

  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, POLL_MS);
  }

  // Only one poll in flight; a request made meanwhile runs right after it.
  function poll() {
    clearTimeout(timer);
    if (polling) { pollAgain = true; return; }
    polling = true;
    var sid = sessionId;
    var url = API + "?after=" + lastId;  // the session id never goes in the URL
    fetch(url, {
      headers: { Accept: "application/json", "X-Chat-Session": sid },
      cache: "no-store",
    })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) { if (data && sid === sessionId) render(data); })
      .catch(function () { /* offline: just try again on the next tick */ })
      .then(function () {
        polling = false;
        if (pollAgain) { pollAgain = false; poll(); } else schedule();
      });
  }

  // Send text to the bot. displayText/chips are set when a chip was clicked.
  function send(text, displayText, chips) {
    showError("");
    var body = { session_id: sessionId, text: text, channel: channel() };
    if (displayText != null) body.display_text = displayText;
    var entry = { text: text, display: displayText != null ? displayText : text, messageId: null };
    entry.node = renderUser(entry.display);
    scrollDown();
    outbox.push(entry);
    updateStarters();
    var sid = sessionId;

    function fail(reason) {
      outbox.splice(outbox.indexOf(entry), 1);
      entry.node.remove();
      updateStarters();
      if (chips) chips.forEach(function (c) { c.disabled = false; });
      if (displayText == null && !input.value) { input.value = text; onInput(); }
      showError(reason);
    }

    return fetch(API, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (sid !== sessionId) return; // the user started a new conversation meanwhile
        if (!res.ok) return fail(typeof data.error === "string" && data.error ? data.error : NETWORK_ERROR);
        entry.messageId = data.message_id != null ? data.message_id : null;
        poll(); // fetch the reply (and typing state) right away
      });
    }, function () { if (sid === sessionId) fail(NETWORK_ERROR); });
  }

  function sendTyped() {
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    onInput();
    send(text);
    input.focus();
  }

  // Grow the textarea with its content and show the counter near the limit.
  function onInput() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 160) + "px";
    var n = input.value.length;
    counter.hidden = n <= COUNTER_FROM;
    counter.textContent = n + "/" + MAX_LEN;
  }

  function newSession() {
    sessionId = newId();
    storageSet(SESSION_KEY, sessionId);
    lastId = 0;
    outbox = [];
    log.replaceChildren();
    showError("");
    updateStarters();
    poll();
    input.focus();
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); sendTyped(); });
  input.addEventListener("input", onInput);
  input.addEventListener("keydown", function (e) {
    // isComposing/229: Enter that confirms a Vietnamese IME composition must not send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendTyped();
    }
  });

  starters.addEventListener("click", function (e) {
    var chip = e.target.closest("button.chip");
    if (chip) { send(chip.dataset.payload, chip.textContent); input.focus(); }
  });

  document.querySelectorAll('input[name="channel"]').forEach(function (radio) {
    radio.addEventListener("change", applyChannel);
  });

  $("new-session").addEventListener("click", function (e) { e.preventDefault(); newSession(); });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) clearTimeout(timer); else poll();
  });

  applyChannel(); // a reload may restore a non-default radio
  updateStarters();
  poll(); // after=0: brings back the history of this session
})();
