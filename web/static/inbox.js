/* The staff inbox (/admin/inbox): the queue of visitors waiting for a person, live over Socket.IO on /staff.
 * The page's CSRF token goes with the connection: another site cannot open this namespace with a staff cookie. */
(() => {
  "use strict";
  const box = document.getElementById("inbox");
  const me = Number(box.dataset.me);
  const connection = document.getElementById("connection");
  const presence = document.getElementById("presence");
  const baseTitle = document.title;
  const drafts = new Map(); // what staff typed in each reply box survives the queue being redrawn
  let known = new Set(); // waiting conversations already seen: a new one rings
  let first = true;

  // The page's token first; on every reconnect a fresh one (a token expires after an hour).
  let token = box.dataset.csrf;
  const socket = io("/staff", {
    transports: ["websocket", "polling"],
    auth: (send) => {
      if (token) {
        send({ csrf: token });
        token = null;
        return;
      }
      fetch("/admin/inbox/token", { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : {}))
        .then((data) => send({ csrf: data.csrf || "" }), () => send({ csrf: "" }));
    },
  });

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined) node.setAttribute(key, value);
    }
    node.append(...children.filter(Boolean));
    return node;
  }

  function ring() {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch {
      /* no sound allowed yet: the title badge still shows */
    }
  }

  function act(event, id, extra, errorEl) {
    socket.timeout(8000).emit(event, { id, ...extra }, (err, reply) => {
      if (err || !reply || !reply.ok) errorEl.textContent = (reply && reply.message) || "Not sent: the connection is down.";
      else errorEl.textContent = "";
    });
  }

  const WHO = { visitor: "Visitor", bot: "Assistant", staff: "Staff" };

  function conversationCard(c) {
    const error = el("p", { class: "error", role: "alert" });
    const lines = el(
      "ol",
      { class: "transcript", "aria-label": "Conversation so far" },
      ...c.transcript.map((line) => el("li", { class: line.who }, el("span", { class: "who", text: WHO[line.who] || line.who }), line.text)),
    );
    const card = el("article", { class: "conversation", "data-id": String(c.id), "data-state": c.state });
    const title = c.state === "waiting" ? `Visitor waiting since ${c.since.slice(11, 16)} UTC` : `With ${c.staff_name}`;
    card.append(el("h3", { text: title }), lines);
    const actions = el("div", { class: "actions" });
    if (c.state === "waiting") {
      actions.append(el("button", { class: "button primary", type: "button", text: "Take this conversation", onclick: () => act("claim", c.id, {}, error) }));
    } else if (c.staff_id === me) {
      const input = el("input", { type: "text", maxlength: "1000", "aria-label": "Your reply", autocomplete: "off" });
      input.value = drafts.get(c.id) || "";
      input.addEventListener("input", () => drafts.set(c.id, input.value));
      const form = el("form", { class: "reply" }, input, el("button", { class: "button primary", type: "submit", text: "Send" }));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        act("reply", c.id, { text }, error);
        lines.append(el("li", { class: "staff" }, el("span", { class: "who", text: "You" }), text));
        input.value = "";
        drafts.delete(c.id);
      });
      card.append(form);
      actions.append(
        el("button", { class: "button", type: "button", text: "Hand back to the assistant", onclick: () => act("hand_back", c.id, {}, error) }),
        el("button", { class: "button ghost", type: "button", text: "Close conversation", onclick: () => act("close", c.id, {}, error) }),
      );
    }
    card.append(actions, error);
    return card;
  }

  function render(data) {
    const conversations = Array.isArray(data.conversations) ? data.conversations : [];
    const waiting = conversations.filter((c) => c.state === "waiting");
    const active = conversations.filter((c) => c.state === "active");
    const focused = document.activeElement && document.activeElement.closest(".conversation");
    const focusedId = focused && focused.dataset.id;
    for (const [id, list, empty] of [
      ["waiting", waiting, "Nobody is waiting."],
      ["active", active, "No conversation is being answered."],
    ]) {
      const target = document.getElementById(id);
      target.replaceChildren(...(list.length ? list.map(conversationCard) : [el("p", { class: "empty", text: empty })]));
      document.getElementById(id + "-count").textContent = String(list.length);
    }
    if (focusedId) {
      const input = box.querySelector(`.conversation[data-id="${focusedId}"] input`);
      if (input) input.focus();
    }
    document.getElementById("team").replaceChildren(
      ...(data.staff || []).map((p) => el("li", { class: p.status, text: `${p.name} (${p.status})` })),
    );
    document.title = waiting.length ? `(${waiting.length}) ${baseTitle}` : baseTitle;
    const ids = new Set(waiting.map((c) => c.id));
    if (!first && [...ids].some((id) => !known.has(id))) ring();
    known = ids;
    first = false;
  }

  socket.on("connect", () => {
    connection.textContent = "Connected: visitors can reach you while you are online.";
    socket.emit("presence", { status: presence.value });
  });
  socket.on("disconnect", () => (connection.textContent = "Disconnected, reconnecting…"));
  socket.on("connect_error", () => (connection.textContent = "Cannot connect: reload the page, or sign in again."));
  socket.on("queue", render);
  socket.on("visitor_message", (data) => {
    const list = box.querySelector(`.conversation[data-id="${Number(data.id)}"] .transcript`);
    if (list) list.append(el("li", { class: "visitor" }, el("span", { class: "who", text: "Visitor" }), String(data.text)));
  });
  socket.on("visitor_left", (data) => {
    const list = box.querySelector(`.conversation[data-id="${Number(data.id)}"] .transcript`);
    const text = data.ended
      ? "The visitor started a new conversation: this one has ended."
      : "The visitor closed the chat or lost the connection (a reload brings them back).";
    if (list) list.append(el("li", { class: "note", text }));
  });
  presence.addEventListener("change", () => socket.emit("presence", { status: presence.value }));
  setInterval(() => socket.connected && socket.emit("presence", { status: presence.value }), 30000);
})();
