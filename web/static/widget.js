/*!
 * Clinic FAQ chat widget. One file, no build step, no framework.
 *
 * Embed it with one tag (all data- attributes are optional):
 *
 *   <script src="https://bot.your-clinic.example/widget.js" async
 *           data-title="Questions? Ask us"   header title
 *           data-accent="#0b5d6b"            accent colour (keep white text readable on it)
 *           data-position="right"            right | left
 *           data-greeting="Hi there!"        replaces the greeting the bot sends
 *           data-idle-seconds="120"          closed and quiet this long, the chat lets its connection go
 *           data-lang="en"></script>         UI language: a key of STRINGS below
 *
 * Nothing is requested from the bot (no Socket.IO client, no connection, no cookie)
 * until the visitor opens the chat for the first time in the tab. Once the visitor has closed
 * it and no answer is awaited (nor a reply from the clinic's team), the connection is dropped after a quiet while, and made again
 * when the chat is opened: a tab left open all day holds nothing on the server.
 *
 * Theming from the clinic's own CSS also works, through custom properties that cross
 * the shadow root:  #clinic-chat-widget { --clinic-chat-accent: #7a1f5c; --clinic-chat-font: Georgia, serif; }
 */
(() => {
  "use strict";

  if (window.__clinicChatWidget) return; // embedded twice: keep the first
  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) return;

  const GIST_AFTER_CHARS = 280; // about four lines of the panel: a longer passage leads with its key sentence

  // --- Translatable UI strings: copy the "en" table, translate the values, pass data-lang="xx". ---
  const STRINGS = {
    en: {
      title: "Questions? Ask us",
      assistant: "Automated assistant",
      openChat: "Open chat",
      openChatUnread: "Open chat, {n} new",
      closeChat: "Close chat",
      minimise: "Minimise chat",
      newConversation: "New conversation",
      conversationCleared: "New conversation started.",
      conversation: "Conversation",
      inputLabel: "Your question",
      placeholder: "Type your question…",
      send: "Send",
      connecting: "Connecting…",
      offline: "Offline, reconnecting…",
      backOnline: "Back online.",
      waiting: "Will be sent when you are back online",
      typing: "The assistant is typing",
      suggestions: "Suggested questions",
      related: "Related questions",
      didYouMean: "Did you mean one of these?",
      generalInfo: "General information from our pages:",
      readMore: "Read more: {title}",
      newTab: "(opens in a new tab)",
      helpful: "Was this helpful?",
      voteUp: "Yes, this helped",
      voteDown: "No, this did not help",
      voteThanks: "Thanks, your feedback was recorded.",
      voteFailed: "Your feedback could not be sent. Please try again.",
      voteOffline: "You are offline. Please vote again when the chat is back.",
      callUs: "Call {phone}",
      emailUs: "E-mail {email}",
      book: "Book an appointment",
      emergencyTitle: "This may be an emergency",
      callEmergency: "Call {number} now",
      callCrisis: "Call or text {number}",
      errorTitle: "Sorry",
      errorGeneric: "Something went wrong. Please try again.",
      noReply: "No reply arrived. Please try asking again.",
      tooLong: "Questions can be up to {max} characters, so yours was shortened.",
      counter: "{n} of {max} characters",
      you: "You",
      bot: "Assistant",
      answerFrom: "From “{title}”",
      askTeam: "Talk to our team",
      offerTeam: "Would you like to talk to a member of our team?",
      queued: "You're in the queue. A member of the {clinic} team will join shortly and read your messages here.",
      joined: "{name} from {clinic} has joined.",
      staffLeftBack: "{name} has handed you back to the automated assistant.",
      staffClosed: "{name} has closed this conversation. You can keep asking the assistant.",
      staffLeftGeneric: "The conversation with our team has ended.",
      closedNow: "Our team is not available right now (opening hours: {hours}). Leave your details and we'll get back to you.",
      noStaff: "Nobody from our team is free to chat right now. Leave your details and we'll get back to you.",
      unclaimed: "Sorry, nobody could join yet. Leave your details and we'll get back to you.",
      staff: "Team",
      formTitle: "Request a callback",
      formWho: "Only the {clinic} team sees this. {reply}",
      fieldName: "Your name",
      fieldPhone: "Phone",
      fieldEmail: "E-mail",
      fieldContactHint: "A phone number or an e-mail address",
      fieldTime: "Best time to reach you (optional)",
      fieldTopic: "What is it about?",
      consent: "I agree that the clinic keeps these details to contact me about this request.",
      formSend: "Send request",
      formSent: "Thank you, {name}. Your request was sent. {reply}",
      formCheck: "Please check the marked fields.",
      formError_too_long: "Please keep this under {max} characters.",
      formError_markup: "Please leave out < and >.",
      formError_no_name: "Please tell us your name.",
      formError_not_a_phone: "This does not look like a phone number: use digits, spaces and an optional +.",
      formError_phone_too_short: "This does not look like a phone number: it needs at least 6 digits.",
      formError_not_an_email: "This does not look like an e-mail address.",
      formError_no_contact: "Please give a phone number or an e-mail address so we can reach you.",
      formError_no_topic: "Please say briefly what it is about.",
      formError_no_consent: "Please tick the box to agree that we keep these details to contact you.",
      error_with_staff: "A member of our team has this conversation: your message was passed on.",
      formOffline: "You are offline. Please send it again when the chat is back.",
      aboutTopic: "Tell me about “{topic}”",
      error_internal_error: "Sorry, something went wrong. Please try again in a moment.",
      error_rate_limited: "You are sending questions very quickly. Please wait a moment and try again.",
      error_empty_question: "Please type a question.",
      error_question_too_long: "Questions can be up to 1000 characters.",
      error_invalid_question: "Please type your question as text.",
      callShort: "Call",
      emailShort: "E-mail",
      bookShort: "Book",
      showMore: "Show more",
      showLess: "Show less",
      contactsAbove: "Our contacts are in the last reply below.",
      confirmNew: "Start a new conversation? The messages so far will be cleared.",
      confirmNewYes: "Clear and start again",
      cancel: "Cancel",
      newReplyTitle: "New reply",
      sentAt: "Sent at {time}",
      whatWasWrong: "What was wrong? (optional)",
      sendReason: "Send",
      reasonThanks: "Thank you, we will look at it.",
      talkToTeam: "You can also ask our team:",
    },
    es: {
      title: "¿Preguntas? Escríbanos",
      assistant: "Asistente automático",
      openChat: "Abrir chat",
      openChatUnread: "Abrir chat, {n} nuevos",
      closeChat: "Cerrar chat",
      minimise: "Minimizar chat",
      newConversation: "Nueva conversación",
      conversationCleared: "Nueva conversación iniciada.",
      conversation: "Conversación",
      inputLabel: "Su pregunta",
      placeholder: "Escriba su pregunta…",
      send: "Enviar",
      connecting: "Conectando…",
      offline: "Sin conexión, reconectando…",
      backOnline: "Conexión restablecida.",
      waiting: "Se enviará cuando vuelva la conexión",
      typing: "El asistente está escribiendo",
      suggestions: "Preguntas sugeridas",
      related: "Preguntas relacionadas",
      didYouMean: "¿Quería decir alguno de estos?",
      generalInfo: "Información general de nuestras páginas:",
      readMore: "Más información: {title}",
      newTab: "(se abre en una pestaña nueva)",
      helpful: "¿Le ha sido útil?",
      voteUp: "Sí, me ha ayudado",
      voteDown: "No, no me ha ayudado",
      voteThanks: "Gracias, hemos registrado su opinión.",
      voteFailed: "No se pudo enviar su opinión. Inténtelo de nuevo.",
      voteOffline: "Está sin conexión. Vote de nuevo cuando vuelva el chat.",
      callUs: "Llamar al {phone}",
      emailUs: "Escribir a {email}",
      book: "Pedir cita",
      emergencyTitle: "Esto puede ser una urgencia",
      callEmergency: "Llame ya al {number}",
      callCrisis: "Llame o escriba al {number}",
      errorTitle: "Lo sentimos",
      errorGeneric: "Algo ha fallado. Inténtelo de nuevo.",
      noReply: "No llegó respuesta. Vuelva a preguntar.",
      tooLong: "Las preguntas pueden tener hasta {max} caracteres; la suya se ha acortado.",
      counter: "{n} de {max} caracteres",
      you: "Usted",
      bot: "Asistente",
      answerFrom: "De «{title}»",
      askTeam: "Hablar con nuestro equipo",
      offerTeam: "¿Quiere hablar con una persona de nuestro equipo?",
      queued: "Está en la cola. Una persona del equipo de {clinic} se unirá en breve y leerá sus mensajes aquí.",
      joined: "{name}, de {clinic}, se ha unido.",
      staffLeftBack: "{name} le ha devuelto al asistente automático.",
      staffClosed: "{name} ha cerrado esta conversación. Puede seguir preguntando al asistente.",
      staffLeftGeneric: "La conversación con nuestro equipo ha terminado.",
      closedNow: "Nuestro equipo no está disponible ahora (horario: {hours}). Déjenos sus datos y le contactaremos.",
      noStaff: "Ahora mismo nadie del equipo puede atenderle por chat. Déjenos sus datos y le contactaremos.",
      unclaimed: "Lo sentimos, nadie ha podido unirse todavía. Déjenos sus datos y le contactaremos.",
      staff: "Equipo",
      formTitle: "Pedir que le llamemos",
      formWho: "Solo el equipo de {clinic} ve esto. {reply}",
      fieldName: "Su nombre",
      fieldPhone: "Teléfono",
      fieldEmail: "Correo electrónico",
      fieldContactHint: "Un teléfono o un correo electrónico",
      fieldTime: "Mejor momento para contactarle (opcional)",
      fieldTopic: "¿De qué se trata?",
      consent: "Acepto que la clínica guarde estos datos para contactarme sobre esta solicitud.",
      formSend: "Enviar solicitud",
      formSent: "Gracias, {name}. Su solicitud se ha enviado. {reply}",
      formCheck: "Revise los campos marcados.",
      formError_too_long: "Escriba como máximo {max} caracteres.",
      formError_markup: "No use los signos < y >.",
      formError_no_name: "Díganos su nombre.",
      formError_not_a_phone: "Esto no parece un número de teléfono: use cifras, espacios y, si quiere, un +.",
      formError_phone_too_short: "Esto no parece un número de teléfono: necesita al menos 6 cifras.",
      formError_not_an_email: "Esto no parece una dirección de e-mail.",
      formError_no_contact: "Indique un teléfono o un e-mail para que podamos contactarle.",
      formError_no_topic: "Díganos brevemente de qué se trata.",
      formError_no_consent: "Marque la casilla para aceptar que guardemos estos datos para contactarle.",
      error_with_staff: "Una persona de nuestro equipo lleva esta conversación: le hemos pasado su mensaje.",
      formOffline: "Está sin conexión. Envíelo de nuevo cuando vuelva el chat.",
      aboutTopic: "Más sobre «{topic}»",
      error_internal_error: "Lo sentimos, algo ha fallado. Inténtelo de nuevo en un momento.",
      error_rate_limited: "Está enviando preguntas muy rápido. Espere un momento e inténtelo de nuevo.",
      error_empty_question: "Escriba una pregunta.",
      error_question_too_long: "Las preguntas pueden tener hasta 1000 caracteres.",
      error_invalid_question: "Escriba su pregunta como texto.",
      callShort: "Llamar",
      emailShort: "E-mail",
      bookShort: "Pedir cita",
      showMore: "Mostrar más",
      showLess: "Mostrar menos",
      contactsAbove: "Nuestros contactos están en la última respuesta.",
      confirmNew: "¿Empezar una conversación nueva? Se borrarán los mensajes.",
      confirmNewYes: "Borrar y empezar",
      cancel: "Cancelar",
      newReplyTitle: "Nueva respuesta",
      sentAt: "Enviado a las {time}",
      whatWasWrong: "¿Qué ha fallado? (opcional)",
      sendReason: "Enviar",
      reasonThanks: "Gracias, lo revisaremos.",
      talkToTeam: "También puede preguntar a nuestro equipo:",
    },
  };

  const MAX_CHARS = 1000;
  const MAX_STORED_MESSAGES = 60;
  const ANSWER_TIMEOUT_MS = 45000;
  const BOT = new URL(script.src, location.href).origin;
  const options = script.dataset;
  const IDLE_DISCONNECT_MS = (Number(options.idleSeconds) > 0 ? Number(options.idleSeconds) : 120) * 1000;
  const lang = (options.lang || document.documentElement.lang || "en").toLowerCase();
  const T = { ...STRINGS.en, ...(STRINGS[lang] || STRINGS[lang.split("-")[0]] || {}) };
  const uiLang = STRINGS[lang] ? lang : STRINGS[lang.split("-")[0]] ? lang.split("-")[0] : "en";
  const t = (key, values) =>
    String(T[key]).replace(/\{(\w+)\}/g, (m, name) => (values && name in values ? String(values[name]) : m));

  // --- Safe building blocks: text only ever goes in through textContent / text nodes. ---
  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M20 2H4c-1.1 0-1.99.9-1.99 2L2 22l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z",
    down: "M16.59 8.59 12 13.17 7.41 8.59 6 10l6 6 6-6z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
    send: "M3.4 20.4 20.85 12.92a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z",
    newChat: "M22 4c0-1.1-.9-2-2-2H4c-1.1 0-1.99.9-1.99 2L2 16c0 1.1.9 2 2 2h14l4 4-.01-18zM17 11h-4v4h-2v-4H7V9h4V5h2v4h4v2z",
    cross: "M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm-1 11h-4v4h-4v-4H6v-4h4V6h4v4h4v4z",
    up: "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    thumbDown:
      "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
    phone:
      "M6.62 10.79c1.44 2.83 3.76 5.14 6.59 6.59l2.2-2.2c.27-.27.67-.36 1.02-.24 1.12.37 2.33.57 3.57.57.55 0 1 .45 1 1V20c0 .55-.45 1-1 1-9.39 0-17-7.61-17-17 0-.55.45-1 1-1h3.5c.55 0 1 .45 1 1 0 1.25.2 2.45.57 3.57.11.35.03.74-.25 1.02l-2.2 2.2z",
    mail: "M20 4H4c-1.1 0-1.99.9-1.99 2L2 18c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm0 4-8 5-8-5V6l8 5 8-5v2z",
    calendar:
      "M17 12h-5v5h5v-5zM16 1v2H8V1H6v2H5c-1.11 0-1.99.9-1.99 2L3 19a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2h-1V1h-2zm3 18H5V8h14v11z",
    warning: "M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z",
    info: "M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm1 15h-2v-6h2v6zm0-8h-2V7h2v2z",
    external:
      "M19 19H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2v-7h-2v7zM14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3h-7z",
    person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z",
    clock:
      "M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z",
  };

  function icon(name, cls) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon" + (cls ? " " + cls : ""));
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  /** el("p", {class: "x", text: "..."}, child, "more text") — strings become text nodes, never HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) if (child != null && child !== false) node.append(child);
    return node;
  }

  /** Text from the server, or "" (numbers too: an unquoted phone number in clinic.yaml arrives as one). */
  const str = (value, max = 5000) =>
    typeof value === "string" ? value.slice(0, max) : Number.isFinite(value) ? String(value).slice(0, max) : "";

  function httpUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  function telUrl(value) {
    const digits = str(value, 40).replace(/[^0-9+*#]/g, "");
    return digits ? "tel:" + digits : null;
  }

  function mailtoUrl(value) {
    const email = str(value, 254).trim();
    return /^[^\s@<>()[\]\\,;:"']+@[^\s@<>()[\]\\,;:"']+\.[^\s@<>()[\]\\,;:"']+$/.test(email) ? "mailto:" + email : null;
  }

  /** Appends text, turning bare http(s) addresses into links (the address itself is the link text). */
  function appendText(parent, text) {
    const pattern = /https?:\/\/[^\s<>"'`]+/g;
    let last = 0;
    for (let match; (match = pattern.exec(text)); ) {
      let raw = match[0];
      const trail = raw.match(/[.,;:!?)\]}'"]+$/);
      if (trail) raw = raw.slice(0, -trail[0].length);
      const href = httpUrl(raw);
      if (!href) continue;
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      parent.append(el("a", { href, target: "_blank", rel: "noopener noreferrer" }, raw));
      last = match.index + raw.length;
      pattern.lastIndex = last;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  // --- Passages in the safe Markdown subset (bot/markdown.py): paragraphs, bullets, numbered lists, bold,
  // links to http(s), tel: and mailto:. Built as DOM nodes; the server's text is never parsed as HTML. ---

  function safeHref(address) {
    if (/^tel:/i.test(address)) return telUrl(address.slice(4));
    if (/^mailto:/i.test(address)) return mailtoUrl(address.slice(7));
    return httpUrl(address);
  }

  /** **bold** and [words](address); the rest through appendText (bare addresses become links). */
  function appendInline(parent, text) {
    const pattern = /\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]*)\)/g;
    let last = 0;
    for (let match; (match = pattern.exec(text)); ) {
      if (match.index > last) appendText(parent, text.slice(last, match.index));
      if (match[1] !== undefined) {
        const bold = el("strong");
        appendText(bold, match[1]);
        parent.append(bold);
      } else {
        const href = safeHref(match[3]);
        const external = href && href.startsWith("http");
        parent.append(
          href
            ? el("a", { href, target: external ? "_blank" : null, rel: external ? "noopener noreferrer" : null }, match[2])
            : document.createTextNode(match[2]),
        );
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) appendText(parent, text.slice(last));
  }

  /** One block per line: "- " starts a bullet, "3. " a numbered item, anything else is a paragraph. */
  function appendMarkdown(parent, markdown) {
    let list = null;
    for (const line of markdown.split("\n")) {
      const item = line.match(/^(-|\d{1,4}\.) (.*)$/);
      if (!item) {
        list = null;
        if (line.trim()) {
          const paragraph = el("p");
          appendInline(paragraph, line);
          parent.append(paragraph);
        }
        continue;
      }
      const tag = item[1] === "-" ? "ul" : "ol";
      if (!list || list.localName !== tag) {
        list = el(tag, tag === "ol" ? { start: parseInt(item[1], 10) } : null);
        parent.append(list);
      }
      const entry = el("li");
      appendInline(entry, item[2]);
      list.append(entry);
    }
  }

  /** Marks `sentence` inside the first block (paragraph or item) that holds it, across bold and links. */
  function markSentence(container, sentence) {
    if (!sentence) return false;
    for (const block of container.querySelectorAll("p, li")) {
      const start = block.textContent.indexOf(sentence);
      if (start < 0) continue;
      const end = start + sentence.length;
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      const nodes = [];
      for (let node; (node = walker.nextNode()); ) nodes.push(node);
      let position = 0;
      for (const node of nodes) {
        const length = node.data.length;
        const from = Math.max(start - position, 0);
        const to = Math.min(end - position, length);
        position += length;
        if (from >= to) continue;
        let piece = node;
        if (from > 0) piece = piece.splitText(from);
        if (to - from < piece.data.length) piece.splitText(to - from);
        const mark = el("mark");
        piece.replaceWith(mark);
        mark.append(piece);
      }
      return true;
    }
    return false;
  }

  /** The key sentence (the server's first highlight: Python counts code points) of a source, or "". */
  function keySentence(source) {
    const chars = Array.from(source.passage || "");
    const span = (Array.isArray(source.highlights) ? source.highlights : []).find(
      (s) => Array.isArray(s) && Number.isInteger(s[0]) && Number.isInteger(s[1]) && s[0] < s[1],
    );
    return span ? chars.slice(Math.max(0, span[0]), Math.min(span[1], chars.length)).join("") : "";
  }

  let gistCount = 0;
  /** The passage, its key sentence marked. A long one leads with that sentence, the whole passage behind
   * a "Show more" button (a disclosure: aria-expanded, aria-controls). */
  function appendGist(bubble, source, fallbackText) {
    const passage = el("div", { class: "passage" });
    appendMarkdown(passage, str(source.markdown, 40000) || source.passage || fallbackText);
    const sentence = keySentence(source);
    const marked = markSentence(passage, sentence);
    const long = marked && Array.from(source.passage).length > GIST_AFTER_CHARS && sentence.length < source.passage.length * 0.7;
    if (!long) {
      bubble.append(passage);
      return;
    }
    passage.id = "ccw-more-" + ++gistCount;
    passage.hidden = true;
    const lead = el("p", { class: "lead" });
    appendText(lead, sentence);
    const more = el("button", { class: "more", type: "button", "aria-expanded": "false", "aria-controls": passage.id }, t("showMore"));
    more.addEventListener("click", () => {
      const open = passage.hidden;
      passage.hidden = !open;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = t(open ? "showLess" : "showMore");
    });
    bubble.append(lead, more, passage);
  }

  /** What a suggestion button says: an FAQ question as written, a section heading as something to ask. */
  function suggestionLabel(suggestion) {
    const text = str(suggestion, 300).trim();
    return /[?¿]$/.test(text) ? text : t("aboutTopic", { topic: text });
  }

  function newId() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = new Uint8Array(12);
    (window.crypto || { getRandomValues: (b) => b.map(() => Math.floor(Math.random() * 256)) }).getRandomValues(bytes);
    return Date.now().toString(36) + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- State, kept in sessionStorage so the chat survives navigation and reloads within the tab. ---
  const STORE_KEY = "clinic-chat:" + BOT;
  // `conversation` groups a visitor's questions on the server (rate limits, the clinic's review);
  // "New conversation" starts a new one.
  const state = { open: false, unread: 0, conversation: null, messages: [], welcome: null };
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    if (saved && Array.isArray(saved.messages)) {
      state.open = saved.open === true;
      state.unread = Number.isInteger(saved.unread) ? saved.unread : 0;
      state.messages = saved.messages.filter((m) => m && typeof m.id === "string" && typeof m.t === "string");
      state.welcome = saved.welcome && typeof saved.welcome === "object" ? saved.welcome : null;
      state.conversation = typeof saved.conversation === "string" ? saved.conversation.slice(0, 100) : null;
      state.handoff = saved.handoff === "waiting" || saved.handoff === "active" ? saved.handoff : null;
      state.team = saved.team && typeof saved.team === "object" ? saved.team : null;
      state.staffName = typeof saved.staffName === "string" ? saved.staffName.slice(0, 100) : "";
      for (const m of state.messages) if (m.t === "user" && m.state === "sent") m.state = "queued"; // reply lost
    }
  } catch {
    /* storage blocked or corrupt: start fresh */
  }
  function conversationId() {
    if (!state.conversation) state.conversation = newId();
    return state.conversation;
  }
  function save() {
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch {
      /* storage full or blocked: the chat still works for this page */
    }
  }

  // --- Styles (inside the shadow root: the page cannot reach them, they cannot leak out). ---
  const STYLE = `
:host { all: initial !important; display: block !important; position: static !important; width: 0 !important;
  height: 0 !important; margin: 0 !important; padding: 0 !important; border: 0 !important; overflow: visible !important;
  visibility: visible !important; opacity: 1 !important; transform: none !important; filter: none !important;
  contain: none !important; pointer-events: auto !important; }
[hidden] { display: none !important; }
.root {
  --accent: var(--clinic-chat-accent, #0b5d6b);
  --on-accent: #ffffff;
  --accent-text: var(--accent);
  --font: var(--clinic-chat-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  --bg: #ffffff; --surface: #f1f4f6; --surface-2: #e6ebef; --text: #1a1d21; --muted: #56606b; --border: #d5dce2;
  --mark-bg: #fff0a6; --mark-text: #1a1d21; --focus: var(--accent-text);
  --danger: #b3261e; --danger-bg: #fdeceb; --danger-text: #5c130f; --on-danger: #ffffff;
  --warn-bg: #fff4d6; --warn-text: #5c4400; --shadow: 0 12px 48px rgba(16, 24, 40, .22), 0 2px 8px rgba(16, 24, 40, .12);
  font-family: var(--font); font-size: 15px; line-height: 1.45; color: var(--text); font-weight: 400;
  letter-spacing: normal; text-align: left; text-transform: none; font-style: normal; white-space: normal;
  -webkit-font-smoothing: antialiased; -webkit-text-size-adjust: 100%; text-size-adjust: 100%;
}
@media (prefers-color-scheme: dark) {
  .root {
    --accent-text: color-mix(in srgb, var(--accent) 35%, #ffffff);
    --bg: #15191d; --surface: #22282e; --surface-2: #2c333a; --text: #e8ecef; --muted: #a7b1bb; --border: #38414a;
    --mark-bg: #5b4a00; --mark-text: #fff4c2;
    --danger: #f2a29b; --danger-bg: #3b1614; --danger-text: #ffdad6; --on-danger: #3b0906;
    --warn-bg: #3d3000; --warn-text: #ffe59a; --shadow: 0 12px 48px rgba(0, 0, 0, .6), 0 2px 8px rgba(0, 0, 0, .4);
  }
}
*, *::before, *::after { box-sizing: border-box; }
button, input, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
a { color: var(--accent-text); text-decoration: underline; text-underline-offset: 2px; }
:focus { outline: none; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.icon { width: 24px; height: 24px; fill: currentColor; flex: none; display: block; }
.sr { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }

/* launcher */
.launcher { position: fixed; z-index: 2147483000; bottom: calc(20px + env(safe-area-inset-bottom, 0px));
  right: calc(20px + env(safe-area-inset-right, 0px)); width: 60px; height: 60px; border-radius: 50%; border: 0;
  margin: 0; padding: 0; display: flex; align-items: center; justify-content: center; background: var(--accent);
  color: var(--on-accent); box-shadow: 0 6px 20px rgba(16, 24, 40, .28), 0 2px 6px rgba(16, 24, 40, .18);
  transition: transform .18s ease, box-shadow .18s ease; }
.root[data-position="left"] .launcher { right: auto; left: calc(20px + env(safe-area-inset-left, 0px)); }
.launcher:hover { transform: scale(1.05); box-shadow: 0 8px 26px rgba(16, 24, 40, .32), 0 2px 6px rgba(16, 24, 40, .2); }
.launcher:focus-visible { outline: 3px solid var(--accent); outline-offset: 3px; box-shadow: 0 0 0 3px #fff, 0 6px 20px rgba(16, 24, 40, .28); }
.launcher .icon { width: 30px; height: 30px; transition: transform .2s ease, opacity .2s ease; }
.launcher .icon-open { position: absolute; opacity: 0; transform: rotate(-90deg); }
.root.is-open .launcher .icon-chat { opacity: 0; transform: rotate(90deg); }
.root.is-open .launcher .icon-open { opacity: 1; transform: none; }
.badge { position: absolute; top: -3px; right: -3px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
  background: #c4281c; color: #fff; font-size: 12px; font-weight: 700; line-height: 18px; text-align: center;
  border: 2px solid #fff; }

/* panel */
.panel { position: fixed; z-index: 2147483001; bottom: calc(92px + env(safe-area-inset-bottom, 0px));
  right: calc(20px + env(safe-area-inset-right, 0px)); width: 384px; max-width: calc(100vw - 40px);
  height: 640px; max-height: calc(100vh - 116px); max-height: calc(100dvh - 116px); display: flex; flex-direction: column;
  background: var(--bg); color: var(--text); border-radius: 18px; box-shadow: var(--shadow); overflow: hidden;
  border: 1px solid rgba(16, 24, 40, .08); visibility: hidden; opacity: 0; transform: translateY(16px) scale(.98);
  transform-origin: bottom right; transition: opacity .2s ease, transform .2s ease, visibility 0s linear .2s; }
.root[data-position="left"] .panel { right: auto; left: calc(20px + env(safe-area-inset-left, 0px)); transform-origin: bottom left; }
.root.is-open .panel { visibility: visible; opacity: 1; transform: none; transition-delay: 0s; }

.head { flex: none; display: flex; align-items: center; gap: 10px; padding: 12px 8px 12px 16px; background: var(--accent);
  color: var(--on-accent); }
.head :focus-visible { outline-color: var(--on-accent); outline-offset: -4px; }
.avatar { width: 40px; height: 40px; border-radius: 50%; flex: none; display: flex; align-items: center; justify-content: center;
  background: rgba(255, 255, 255, .18); color: var(--on-accent); }
.avatar .icon { width: 22px; height: 22px; }
.titles { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 700; line-height: 1.25; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subtitle { margin: 2px 0 0; font-size: 13px; line-height: 1.3; opacity: .92; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  display: flex; align-items: center; gap: 6px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #5ee08a; flex: none; box-shadow: 0 0 0 2px rgba(255,255,255,.35); }
.root.is-offline .dot { background: #ffc44d; }
.icon-btn { width: 44px; height: 44px; flex: none; border: 0; margin: 0; padding: 0; border-radius: 12px; background: transparent;
  color: inherit; display: flex; align-items: center; justify-content: center; }
.icon-btn:hover { background: rgba(255, 255, 255, .16); }
.icon-btn .icon { width: 22px; height: 22px; }

.status { flex: none; display: flex; align-items: center; gap: 8px; padding: 8px 16px; font-size: 13px; font-weight: 600;
  background: var(--warn-bg); color: var(--warn-text); border-bottom: 1px solid var(--border); }
.status .icon { width: 18px; height: 18px; }
.spinner { width: 14px; height: 14px; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent;
  animation: spin .9s linear infinite; flex: none; }
@keyframes spin { to { transform: rotate(360deg); } }

.log { position: relative; flex: 1; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px;
  display: flex; flex-direction: column; gap: 12px; scroll-behavior: smooth; background: var(--bg); }
.log:focus-visible { outline-offset: -3px; }
.messages { display: flex; flex-direction: column; gap: 12px; }
.row { display: flex; flex-direction: column; align-items: flex-start; max-width: 100%; }
.row.user { align-items: flex-end; }
.bubble { max-width: 88%; padding: 10px 14px; border-radius: 18px; background: var(--surface); color: var(--text);
  border-bottom-left-radius: 6px; overflow-wrap: anywhere; white-space: pre-line; }
.bubble p { margin: 0; }
.bubble p + p, .bubble p + .actions, .bubble .heading + p { margin-top: 6px; }
.row.bot .bubble { max-width: 92%; }
.row.user .bubble { background: var(--accent); color: var(--on-accent); border-radius: 18px; border-bottom-right-radius: 6px;
  white-space: pre-wrap; }
.row.user .bubble a { color: inherit; }
.meta { font-size: 12px; color: var(--muted); margin: 4px 6px 0; display: flex; align-items: center; gap: 4px; }
.meta .icon { width: 14px; height: 14px; }
.heading { display: block; font-size: 12px; font-weight: 700; letter-spacing: .02em; color: var(--muted); margin: 0 0 2px; }
mark { background: var(--mark-bg); color: var(--mark-text); border-radius: 3px; padding: 1px 2px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.source { display: inline-flex; align-items: center; gap: 4px; margin-top: 2px; font-weight: 600; font-size: 14px;
  min-height: 44px; }
.source .icon { width: 16px; height: 16px; }
.intro .bubble { white-space: normal; }
.disclaimer { display: flex; gap: 8px; align-items: flex-start; margin: 8px 2px 0; font-size: 12.5px; color: var(--muted);
  max-width: 92%; line-height: 1.4; }
.disclaimer .icon { width: 16px; height: 16px; margin-top: 1px; }

.chips { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; max-width: 100%; }
.chips-label { width: 100%; font-size: 12px; font-weight: 700; color: var(--muted); margin: 0; }
.chip { min-height: 44px; padding: 8px 14px; border-radius: 22px; border: 1.5px solid var(--accent-text); margin: 0;
  background: var(--bg); color: var(--accent-text); font-size: 14px; font-weight: 600; line-height: 1.25; text-align: left; }
.chip:hover { background: color-mix(in srgb, var(--accent) 10%, var(--bg)); }

.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.action { display: inline-flex; align-items: center; gap: 8px; min-height: 44px; padding: 8px 14px; border-radius: 12px;
  border: 1.5px solid var(--accent-text); background: var(--bg); color: var(--accent-text); font-size: 14px; font-weight: 600;
  text-decoration: none; line-height: 1.2; }
.action .icon { width: 18px; height: 18px; }
.action.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.action:hover { filter: brightness(1.06); }

.row.emergency .bubble { background: var(--danger-bg); color: var(--danger-text); border: 2px solid var(--danger);
  border-radius: 14px; max-width: 94%; }
.emergency-title { display: flex; align-items: center; gap: 8px; font-weight: 800; font-size: 15px; margin: 0 0 6px; }
.lead { font-weight: 700; margin: 0 0 6px; }
.general-info { font-size: 12px; font-weight: 700; color: var(--muted); margin: 10px 0 2px; }
.emergency-title .icon { color: var(--danger); width: 22px; height: 22px; }
.row.emergency .action { border-color: var(--danger); color: var(--danger-text); background: transparent; }
.row.emergency .action.primary { background: var(--danger); color: var(--on-danger); }
.row.emergency .action:focus-visible { outline-color: var(--danger); }
.row.error .bubble { background: var(--warn-bg); color: var(--warn-text); display: flex; gap: 8px; align-items: flex-start; }
.row.error .icon { width: 18px; height: 18px; margin-top: 2px; }

.feedback { display: flex; align-items: center; gap: 2px; margin: 2px 0 0 4px; font-size: 12.5px; color: var(--muted); }
.feedback .label { margin-right: 4px; }
.vote { width: 44px; height: 44px; border: 0; border-radius: 50%; background: transparent; color: var(--muted); margin: 0; padding: 0;
  display: inline-flex; align-items: center; justify-content: center; }
.vote .icon { width: 18px; height: 18px; }
.vote:hover:not([aria-disabled="true"]) { background: var(--surface); color: var(--text); }
.vote[aria-pressed="true"] { color: var(--accent-text); background: var(--surface); }
.vote[aria-disabled="true"] { cursor: default; }
.vote[aria-disabled="true"]:not([aria-pressed="true"]) { opacity: .45; }
.feedback-note { margin-left: 4px; }

.typing { display: inline-flex; gap: 5px; align-items: center; padding: 14px 16px; border-radius: 18px; border-bottom-left-radius: 6px;
  background: var(--surface); width: max-content; }
.typing span { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); opacity: .5; animation: blink 1.2s infinite ease-in-out; }
.typing span:nth-child(2) { animation-delay: .15s; }
.typing span:nth-child(3) { animation-delay: .3s; }
@keyframes blink { 0%, 80%, 100% { opacity: .35; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-3px); } }

.composer { flex: none; display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 14px; margin: 0;
  border-top: 1px solid var(--border); background: var(--bg);
  padding-bottom: calc(10px + env(safe-area-inset-bottom, 0px)); }
.field { flex: 1; min-width: 0; display: flex; }
textarea { flex: 1; min-width: 0; resize: none; border: 1.5px solid var(--border); border-radius: 22px; background: var(--surface);
  padding: 10px 16px; min-height: 44px; max-height: 132px; font-size: 16px; line-height: 1.4; margin: 0; display: block;
  color: var(--text); overflow-y: auto; }
textarea::placeholder { color: var(--muted); opacity: 1; }
textarea:focus-visible { outline: 2px solid var(--focus); outline-offset: 0; border-color: transparent; background: var(--bg); }
.send { width: 44px; height: 44px; flex: none; border: 0; border-radius: 50%; margin: 0; padding: 0; background: var(--accent);
  color: var(--on-accent); display: flex; align-items: center; justify-content: center; }
.send .icon { width: 20px; height: 20px; margin-left: 2px; }
.send:disabled { opacity: .45; cursor: default; }
.note { flex: none; margin: 0; padding: 6px 16px; border-top: 1px solid var(--border); font-size: 12.5px; color: var(--muted); background: var(--bg); }
.note.warn { color: var(--danger-text); font-weight: 600; }
@media (prefers-color-scheme: dark) { .note.warn { color: var(--danger); } }

/* issue 15: Markdown passages, the gist, compact contacts, confirmation, times, the launcher's label */
.passage p, .passage ul, .passage ol { margin: 0; }
.passage > * + * { margin-top: 6px; }
.passage ul, .passage ol { padding-left: 22px; }
.passage li + li { margin-top: 2px; }
.bubble .passage, .bubble .lead { white-space: normal; }
.more { display: inline-flex; align-items: center; min-height: 44px; min-width: 44px; margin: 2px 0 0; padding: 0 2px; border: 0;
  background: transparent; color: var(--accent-text); font-size: 14px; font-weight: 700; text-decoration: underline;
  text-underline-offset: 2px; }
.more + .passage { margin-top: 2px; }
.actions.contacts { gap: 6px; margin-top: 8px; }
.contacts .action { padding: 6px 10px; font-size: 13px; border-radius: 10px; gap: 6px; }
.contacts .action .icon { width: 16px; height: 16px; }
.contacts-above { margin: 6px 0 0; font-size: 12.5px; color: var(--muted); }
.confirm { flex: none; padding: 10px 14px; background: var(--surface); border-bottom: 1px solid var(--border); font-size: 14px; }
.confirm p { margin: 0; font-weight: 600; }
.confirm .actions { margin-top: 8px; }
.stamp { font-size: 12px; color: var(--muted); margin: 2px 6px 0; }
.row .stamp { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.row:hover .stamp, .row:focus-within .stamp { position: static; width: auto; height: auto; overflow: visible; clip-path: none; }
.vote-extra:empty { display: none; }
.vote-extra { margin: 4px 0 0 4px; max-width: 92%; font-size: 13.5px; }
.reason-form { display: flex; gap: 6px; align-items: center; }
.reason { flex: 1; min-width: 0; min-height: 44px; padding: 8px 12px; border: 1.5px solid var(--border); border-radius: 12px;
  background: var(--bg); color: var(--text); font-size: 16px; }
.reason::placeholder { color: var(--muted); opacity: 1; }
.offer-team p { margin: 8px 0 0; color: var(--muted); }
.launcher.has-label { width: auto; border-radius: 30px; padding: 0 20px 0 16px; gap: 8px; }
.launcher-label { font-size: 15px; font-weight: 700; white-space: nowrap; }
.root.is-open .launcher.has-label .launcher-label, .root.is-open .launcher.has-label .icon-chat { display: none; }
.launcher.has-label .icon-open { position: static; display: none; }
.root.is-open .launcher.has-label .icon-open { display: block; }

@media (max-width: 479.98px), (max-height: 519.98px) {
  .panel { inset: 0; right: 0; left: 0; bottom: 0; width: 100%; max-width: none; height: 100%; max-height: none;
    border-radius: 0; border: 0; transform: translateY(24px); }
  .root[data-position="left"] .panel { left: 0; }
  .head { padding-top: calc(10px + env(safe-area-inset-top, 0px)); padding-left: calc(14px + env(safe-area-inset-left, 0px));
    padding-right: calc(6px + env(safe-area-inset-right, 0px)); }
  .root.is-open .launcher { visibility: hidden; }
  .bubble { max-width: 92%; }
  .composer { padding-left: calc(12px + env(safe-area-inset-left, 0px)); padding-right: calc(10px + env(safe-area-inset-right, 0px)); }
}
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .launcher .icon { transition: none !important; }
  .log { scroll-behavior: auto; }
  .typing span, .spinner { animation: none; opacity: .7; }
}
.row.team .bubble { max-width: 92%; }
.row.sys { align-items: center; }
.row.sys .bubble { background: transparent; color: var(--muted); font-size: 13px; text-align: center; padding: 4px 8px; }
.row.staff .who { display: block; font-size: 12px; font-weight: 700; color: var(--accent-text); margin-bottom: 2px; }
.callback { display: grid; gap: 8px; margin-top: 8px; }
.callback .cb-field { display: grid; gap: 4px; }
.callback label { font-size: 13px; font-weight: 600; }
.callback input[type=text], .callback input[type=tel], .callback input[type=email], .callback textarea {
  border: 1.5px solid var(--border); border-radius: 10px; padding: 8px 10px; background: var(--bg); min-height: 40px; }
.callback textarea { border-radius: 10px; min-height: 64px; }
.callback .consent { display: flex; gap: 8px; align-items: flex-start; font-weight: 400; }
.callback .consent input { width: 20px; height: 20px; margin: 2px 0 0; flex: none; }
.callback .privacy, .callback .who { font-size: 12.5px; color: var(--muted); margin: 0; }
.callback .field-error { color: var(--danger-text); font-size: 12.5px; font-weight: 600; }
.callback [aria-invalid="true"] { border-color: var(--danger); }
.talk { cursor: pointer; font: inherit; }
@media (forced-colors: active) {
  .launcher, .panel, .bubble, .chip, .action, .send, textarea { border: 1px solid CanvasText; }
  mark { background: Mark; color: MarkText; }
}
`;

  // --- The DOM. ---
  const host = document.createElement("div");
  host.id = "clinic-chat-widget";
  host.setAttribute("data-clinic-chat", "");
  const shadow = host.attachShadow({ mode: "open" });

  const position = options.position === "left" ? "left" : "right";
  const root = el("div", { class: "root", "data-position": position, lang: uiLang });
  if (options.accent && window.CSS && CSS.supports("color", options.accent)) {
    root.style.setProperty("--accent", options.accent);
  }

  const badge = el("span", { class: "badge", "aria-hidden": "true", hidden: true });
  const launcher = el(
    "button",
    { class: "launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "ccw-panel" },
    icon("chat", "icon-chat"),
    icon("down", "icon-open"),
    badge,
  );
  const launcherLabel = str(options.label, 40).trim();
  if (launcherLabel) {
    launcher.classList.add("has-label");
    launcher.append(el("span", { class: "launcher-label", "aria-hidden": "true", text: launcherLabel }));
  }

  const titleText = str(options.title, 80).trim() || t("title");
  const subtitleText = el("span", { text: t("assistant") });
  const newButton = el(
    "button",
    { class: "icon-btn", type: "button", "aria-label": t("newConversation"), title: t("newConversation") },
    icon("newChat"),
  );
  const closeButton = el(
    "button",
    { class: "icon-btn", type: "button", "aria-label": t("closeChat"), title: t("closeChat") },
    icon("close"),
  );
  const teamButton = el(
    "button",
    { class: "icon-btn team-btn", type: "button", "aria-label": t("askTeam"), title: t("askTeam"), onclick: () => askForTeam() },
    icon("person"),
  );
  const head = el(
    "div",
    { class: "head" },
    el("div", { class: "avatar" }, icon("cross")),
    el(
      "div",
      { class: "titles" },
      el("h2", { class: "title", id: "ccw-title", text: titleText }),
      el("p", { class: "subtitle" }, el("span", { class: "dot", "aria-hidden": "true" }), subtitleText),
    ),
    teamButton,
    newButton,
    closeButton,
  );

  const statusText = el("span");
  const status = el("div", { class: "status", role: "status", hidden: true }, el("span", { class: "spinner", "aria-hidden": "true" }), statusText);

  const intro = el("div", { class: "intro" });
  const messages = el("div", { class: "messages" });
  const typing = el(
    "div",
    { class: "row typing-row", hidden: true },
    el("div", { class: "typing", role: "img", "aria-label": t("typing") }, el("span"), el("span"), el("span")),
  );
  // A log, read out by the polite region below in a cleaner form than the whole row (hence aria-live off).
  const log = el(
    "div",
    { class: "log", role: "log", "aria-live": "off", "aria-label": t("conversation"), tabindex: "0" },
    intro,
    messages,
    typing,
  );

  const input = el("textarea", {
    id: "ccw-input",
    rows: "1",
    maxlength: String(MAX_CHARS),
    placeholder: t("placeholder"),
    autocomplete: "off",
    enterkeyhint: "send",
    "aria-describedby": "ccw-note",
  });
  const sendButton = el("button", { class: "send", type: "submit", "aria-label": t("send"), title: t("send") }, icon("send"));
  const composer = el(
    "form",
    { class: "composer", novalidate: true },
    el("label", { class: "sr", for: "ccw-input", text: t("inputLabel") }),
    el("div", { class: "field" }, input),
    sendButton,
  );
  const note = el("p", { class: "note", id: "ccw-note", "aria-live": "polite", hidden: true });
  const confirmYes = el("button", { class: "action primary", type: "button" }, t("confirmNewYes"));
  const confirmNo = el("button", { class: "action", type: "button" }, t("cancel"));
  const confirmBar = el(
    "div",
    { class: "confirm", role: "group", "aria-labelledby": "ccw-confirm-text", hidden: true },
    el("p", { id: "ccw-confirm-text", text: t("confirmNew") }),
    el("div", { class: "actions" }, confirmYes, confirmNo),
  );

  const panel = el(
    "section",
    { class: "panel", id: "ccw-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "ccw-title" },
    head,
    status,
    confirmBar,
    log,
    note,
    composer,
  );
  // New replies are read out from here; an emergency reply is itself role="alert" (assertive) instead.
  const politeRegion = el("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
  root.append(panel, launcher, politeRegion);
  // A constructed stylesheet needs no 'unsafe-inline' in the clinic's Content-Security-Policy.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(el("style", { text: STYLE }));
  }
  shadow.append(root);

  function announce(text) {
    politeRegion.textContent = "";
    setTimeout(() => {
      politeRegion.textContent = text;
    }, 60);
  }

  /** White or near-black text on the accent, whichever reads better (data-accent may be light). */
  function fitAccentContrast() {
    const probe = el("span");
    probe.style.color = "var(--accent)";
    root.append(probe);
    const color = getComputedStyle(probe).color;
    const rgb = color.startsWith("rgb") ? (color.match(/[\d.]+/g) || []).map(Number) : [];
    probe.remove();
    if (rgb.length < 3) return;
    const lum = rgb.slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    const onWhite = 1.05 / (L + 0.05);
    const onDark = (L + 0.05) / 0.0625; // against #1a1d21-ish
    if (onDark > onWhite) root.style.setProperty("--on-accent", "#111418");
    if (onWhite < 4.5) root.style.setProperty("--accent-text", "color-mix(in srgb, var(--accent) 45%, #000000)");
  }

  // --- Full screen on small screens (phones, 200 % zoom): a modal dialog that keeps focus inside. ---
  const FULL_SCREEN = window.matchMedia("(max-width: 479.98px), (max-height: 519.98px)");
  const isModal = () => state.open && FULL_SCREEN.matches;

  function updateModal() {
    panel.setAttribute("aria-modal", String(isModal()));
  }
  FULL_SCREEN.addEventListener("change", updateModal);

  function focusables() {
    return [...panel.querySelectorAll("button, a[href], textarea, input, [tabindex]:not([tabindex='-1'])")].filter(
      (e) => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden",
    );
  }

  /** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
  function trapFocus(event) {
    if (!isModal()) return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = shadow.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
  // Focus that leaves the full-screen chat (a click on nothing, a screen reader's jump) comes back to it.
  document.addEventListener("focusin", (event) => {
    if (isModal() && event.target !== host) input.focus({ preventScroll: true });
  });

  /** On open: modal when full screen, and the greeting read out when the conversation has not started. */
  function panelOpened() {
    updateModal();
    if (!state.messages.length) announceGreeting();
  }

  function announceGreeting() {
    const greeting = str(options.greeting, 500).trim() || (welcome && str(welcome.greeting, 1000));
    if (greeting && state.open) announce(t("bot") + ": " + greeting);
  }

  // --- "New conversation" asks first. ---
  function showConfirm() {
    confirmBar.hidden = false;
    confirmNo.focus({ preventScroll: true });
  }
  function hideConfirm() {
    if (confirmBar.hidden) return;
    confirmBar.hidden = true;
    newButton.focus({ preventScroll: true });
  }
  confirmYes.addEventListener("click", () => clearConversation());
  confirmNo.addEventListener("click", hideConfirm);

  // --- Each message's time, shown on hover and focus; a new reply in the tab title while the tab is hidden. ---
  function withTime(row, message) {
    if (!Number.isFinite(message.at)) return row;
    const when = new Date(message.at);
    const time = when.toLocaleTimeString(uiLang, { hour: "2-digit", minute: "2-digit" });
    const stamp = el("time", { class: "stamp", datetime: when.toISOString(), text: time });
    const bubble = row.querySelector(".bubble");
    if (bubble) bubble.title = t("sentAt", { time });
    row.append(stamp);
    return row;
  }

  const pageTitle = { original: null };
  function titleNewReply() {
    if (document.visibilityState !== "hidden") return;
    if (pageTitle.original === null) pageTitle.original = document.title;
    document.title = "(" + t("newReplyTitle") + ") " + pageTitle.original;
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && pageTitle.original !== null) {
      document.title = pageTitle.original;
      pageTitle.original = null;
    }
  });

  // --- Rendering. ---
  let welcome = state.welcome;
  const clinic = () => (welcome && welcome.clinic && typeof welcome.clinic === "object" ? welcome.clinic : {});

  function chips(list, label, kind) {
    const items = (Array.isArray(list) ? list : []).filter((s) => typeof s === "string" && s.trim()).slice(0, 6);
    if (!items.length) return null;
    return el(
      "div",
      { class: "chips" + (kind ? " " + kind : ""), role: "group", "aria-label": label },
      el("p", { class: "chips-label", "aria-hidden": "true", text: label }),
      items.map((q) => el("button", { class: "chip", type: "button", onclick: () => ask(q) }, suggestionLabel(q))),
    );
  }

  function renderIntro() {
    intro.replaceChildren();
    const c = clinic();
    subtitleText.textContent = str(c.name, 120) || t("assistant");
    const greeting = str(options.greeting, 500).trim() || (welcome && str(welcome.greeting, 1000));
    if (!greeting) return;
    intro.append(el("div", { class: "row bot" }, el("div", { class: "bubble" }, el("p", { text: greeting }))));
    if (welcome && str(welcome.disclaimer)) {
      intro.append(el("p", { class: "disclaimer" }, icon("info"), el("span", { text: str(welcome.disclaimer, 1000) })));
    }
    const starters = chips(welcome && welcome.suggestions, t("suggestions"), "starters");
    if (starters) intro.append(starters);
  }

  /** The clinic's phone, e-mail and booking link as one compact row: short words, the full name for
   * screen readers (the reply's text already spells out the number and address). */
  function contactActions() {
    const c = clinic();
    const actions = el("div", { class: "actions contacts" });
    const link = (href, name, iconName, short, cls) => {
      const external = href.startsWith("http");
      return el(
        "a",
        { class: cls || "action", href, "aria-label": name, title: name, target: external ? "_blank" : null, rel: external ? "noopener noreferrer" : null },
        icon(iconName),
        short,
      );
    };
    const tel = telUrl(c.phone);
    if (tel) actions.append(link(tel, t("callUs", { phone: str(c.phone, 40) }), "phone", t("callShort")));
    const mail = mailtoUrl(c.email);
    if (mail) actions.append(link(mail, t("emailUs", { email: str(c.email, 254) }), "mail", t("emailShort")));
    const booking = httpUrl(c.booking_url);
    if (booking) actions.append(link(booking, t("book"), "calendar", t("bookShort"), "action primary"));
    return actions.childNodes.length ? actions : null;
  }

  function emergencyActions() {
    const c = clinic();
    const actions = el("div", { class: "actions" });
    const emergency = telUrl(c.emergency_number);
    if (emergency) {
      actions.append(
        el("a", { class: "action primary", href: emergency }, icon("phone"), t("callEmergency", { number: str(c.emergency_number, 40) })),
      );
    }
    const crisis = telUrl(c.crisis_line);
    if (crisis) actions.append(el("a", { class: "action", href: crisis }, icon("phone"), t("callCrisis", { number: str(c.crisis_line, 40) })));
    return actions.childNodes.length ? actions : null;
  }

  // --- Thumbs: a vote can be changed; thumbs down asks what was wrong and offers the team. ---
  function feedbackRow(message) {
    const note = el("span", { class: "feedback-note", role: "status" });
    const extra = el("div", { class: "vote-extra" });
    const buttons = [
      ["up", "up", t("voteUp")],
      ["down", "thumbDown", t("voteDown")],
    ].map(([vote, iconName, label]) =>
      el(
        "button",
        {
          class: "vote",
          type: "button",
          "data-vote": vote,
          "aria-label": label,
          title: label,
          "aria-pressed": message.vote === vote ? "true" : "false",
          onclick: () => sendFeedback(message, { vote }, buttons, note, () => showVoteExtra(message, extra, buttons, note)),
        },
        icon(iconName),
      ),
    );
    if (message.vote) note.textContent = t("voteThanks");
    const row = el(
      "div",
      { class: "feedback-wrap" },
      el(
        "div",
        { class: "feedback", role: "group", "aria-label": t("helpful") },
        el("span", { class: "label", text: t("helpful"), hidden: Boolean(message.vote) }),
        buttons,
        note,
      ),
      extra,
    );
    showVoteExtra(message, extra, buttons, note);
    return row;
  }

  /** After a thumbs down: an optional one-line reason (stored redacted) and the team's contacts. */
  function showVoteExtra(message, extra, buttons, note) {
    extra.replaceChildren();
    if (message.vote !== "down") return;
    if (!message.reasonSent) {
      const field = el("input", {
        type: "text",
        class: "reason",
        maxlength: "200",
        "aria-label": t("whatWasWrong"),
        placeholder: t("whatWasWrong"),
        autocomplete: "off",
      });
      const form = el("form", { class: "reason-form", novalidate: true }, field, el("button", { class: "action", type: "submit" }, t("sendReason")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const reason = field.value.trim().slice(0, 200);
        if (!reason) return;
        sendFeedback(message, { vote: "down", reason }, buttons, note, () => {
          message.reasonSent = true;
          save();
          showVoteExtra(message, extra, buttons, note);
          note.textContent = t("reasonThanks");
        });
      });
      extra.append(form);
    }
    extra.append(offerTeam());
  }

  /** Who else can help after a poor answer: the clinic's contacts (the live hand-off replaces this). */
  function offerTeam() {
    const block = el("div", { class: "offer-team" }, el("p", { text: t("talkToTeam") }));
    const actions = contactActions() || el("div", { class: "actions" });
    actions.classList.remove("contacts"); // not one of the fallback's contact blocks that tidyConversation folds
    if (!state.handoff) actions.prepend(talkButton(true));
    block.append(actions);
    return block;
  }

  function renderMessage(message) {
    if (message.t === "user") {
      const row = el(
        "div",
        { class: "row user", "data-id": message.id },
        el("span", { class: "sr", text: t("you") + ":" }),
        el("div", { class: "bubble", text: message.text }),
      );
      if (message.state === "queued") row.append(el("p", { class: "meta waiting" }, icon("clock"), t("waiting")));
      return withTime(row, message);
    }
    if (HANDOFF_KINDS.has(message.t)) return renderHandoff(message);
    if (message.t === "err") {
      return el(
        "div",
        { class: "row bot error", "data-id": message.id },
        el("div", { class: "bubble" }, icon("info"), el("p", { text: message.text })),
      );
    }
    const a = message.a || {};
    const kind = ["answer", "clarify", "fallback", "referral", "emergency", "smalltalk"].includes(a.kind) ? a.kind : "smalltalk";
    const bubble = el("div", { class: "bubble" });
    const row = el("div", { class: "row bot " + kind, "data-id": message.id, "data-kind": kind }, el("span", { class: "sr", text: t("bot") + ":" }), bubble);

    if (kind === "answer") {
      appendSource(bubble, a);
      row.append(feedbackRow(message));
      const related = chips(a.suggestions, t("related"), "related");
      if (related) row.append(related);
    } else if (kind === "clarify") {
      bubble.append(el("p", { text: t("didYouMean") }));
      const choices = chips(a.suggestions, t("didYouMean"));
      if (choices) row.append(choices);
    } else if (kind === "referral") {
      bubble.append(el("p", { text: a.text }));
      const actions = contactActions();
      if (actions) bubble.append(actions);
      if (a.sources && a.sources[0]) {
        bubble.append(el("p", { class: "general-info", text: t("generalInfo") }));
        appendSource(bubble, a);
      }
    } else if (kind === "emergency") {
      row.setAttribute("role", "alert");
      bubble.append(el("p", { class: "emergency-title" }, icon("warning"), t("emergencyTitle")));
      const actions = emergencyActions();
      bubble.append(el("p", { text: a.text }));
      if (actions) bubble.append(actions);
    } else if (kind === "fallback") {
      bubble.append(el("p", { text: a.text }));
      const actions = contactActions();
      if (actions) bubble.append(actions);
      // Beside the contacts, not in them: tidyConversation folds older contact blocks away.
      bubble.append(el("div", { class: "actions team" }, talkButton()));
      const related = chips(a.suggestions, t("related"), "related");
      if (related) row.append(related);
    } else {
      const text = el("p");
      appendText(text, a.text);
      bubble.append(text);
      if (a.intent === "human") {
        bubble.append(el("div", { class: "actions team" }, talkButton(true)));
        const actions = contactActions();
        if (actions) bubble.append(actions);
      }
    }
    return withTime(row, message);
  }

  /** The answer's passage with its key sentence marked, its heading and a link to its page. */
  function appendSource(bubble, a) {
    const source = a.sources && a.sources[0];
    if (!source) {
      const text = el("p");
      appendText(text, a.text);
      bubble.append(text);
      return;
    }
    if (source.heading) bubble.append(el("span", { class: "heading", text: source.heading }));
    appendGist(bubble, source, a.text);
    const url = httpUrl(source.url);
    if (url && source.title) {
      bubble.append(
        el(
          "a",
          { class: "source", href: url, target: "_blank", rel: "noopener noreferrer" },
          t("readMore", { title: source.title }),
          el("span", { class: "sr", text: " " + t("newTab") }),
          icon("external"),
        ),
      );
    }
  }

  function renderAll() {
    renderIntro();
    messages.replaceChildren(...state.messages.map(renderMessage));
    tidyConversation();
    updateTyping();
    updateBadge();
  }

  /** A long conversation stays short: the clinic's contacts in full only under the latest reply that offers
   * them (older ones point to it), related questions only under the latest reply. */
  function tidyConversation() {
    const contacts = [...messages.querySelectorAll(".contacts")];
    contacts.forEach((block, i) => {
      const older = i < contacts.length - 1;
      block.hidden = older;
      const pointer = block.nextElementSibling && block.nextElementSibling.classList.contains("contacts-above");
      if (older && !pointer) block.after(el("p", { class: "contacts-above", text: t("contactsAbove") }));
    });
    const related = [...messages.querySelectorAll(".chips.related")];
    related.forEach((group, i) => (group.hidden = i < related.length - 1));
    const team = [...messages.querySelectorAll(".actions.team")];
    team.forEach((block, i) => (block.hidden = i < team.length - 1));
  }

  /** Re-renders a question (its "waiting to send" line); an answer shares its question's id. */
  function replaceMessage(message) {
    const old = messages.querySelector(`.row.user[data-id="${CSS.escape(message.id)}"]`);
    if (old) old.replaceWith(renderMessage(message));
  }

  function scrollToEnd(target) {
    requestAnimationFrame(() => {
      const bottom = log.scrollHeight - log.clientHeight;
      // A long answer: show its start rather than its end.
      const top = target ? target.offsetTop - 12 : bottom;
      log.scrollTop = Math.max(0, Math.min(bottom, top));
    });
  }

  function addMessage(message) {
    if (!message.at) message.at = Date.now();
    state.messages.push(message);
    save();
    const node = renderMessage(message);
    messages.append(node);
    tidyConversation();
    if (message.t === "user") scrollToEnd();
    else {
      // Keep the question in view above its answer when both fit; otherwise show the answer's start.
      const question = node.previousElementSibling;
      scrollToEnd(question && question.classList.contains("user") ? question : node);
    }
    return node;
  }

  function updateTyping() {
    typing.hidden = !state.messages.some((m) => m.t === "user" && m.state === "sent");
    if (!typing.hidden) scrollToEnd();
  }

  function updateBadge() {
    badge.hidden = state.unread < 1;
    badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    launcher.setAttribute(
      "aria-label",
      (launcherLabel && !state.open ? launcherLabel + ": " : "") +
        (state.open ? t("minimise") : state.unread ? t("openChatUnread", { n: state.unread }) : t("openChat")),
    );
  }

  let online = false;
  let everConnected = false;
  let statusTimer = null;
  function setOnline(value, failed) {
    online = value;
    root.classList.toggle("is-offline", !value);
    clearTimeout(statusTimer);
    if (value) {
      status.hidden = true;
      return;
    }
    // The first connection usually takes a moment: only say "Connecting…" if it is slow.
    const show = () => {
      statusText.textContent = everConnected || failed ? t("offline") : t("connecting");
      if (!online) status.hidden = false;
    };
    if ((everConnected && !idleDropped) || failed) show();
    else statusTimer = setTimeout(show, 1200); // reconnecting after an idle drop is as quick as a first connection
  }

  // --- Open / close. ---
  function openPanel({ focus = true } = {}) {
    state.open = true;
    state.unread = 0;
    save();
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    updateBadge();
    clearTimeout(idleTimer);
    if (idleDropped) setOnline(false); // say so only if connecting again is slow
    ensureSocket();
    if (focus) input.focus({ preventScroll: true });
    scrollToEnd();
    panelOpened();
  }

  function closePanel() {
    state.open = false;
    save();
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    updateBadge();
    updateModal();
    launcher.focus({ preventScroll: true });
    scheduleIdleDrop();
  }

  launcher.addEventListener("click", () => (state.open ? closePanel() : openPanel()));
  closeButton.addEventListener("click", closePanel);
  shadow.addEventListener("keydown", (event) => {
    if (event.key === "Tab") trapFocus(event);
    if (event.key === "Escape" && !confirmBar.hidden) {
      event.preventDefault();
      event.stopPropagation();
      hideConfirm();
    } else if (event.key === "Escape" && state.open) {
      event.preventDefault();
      event.stopPropagation();
      closePanel();
    }
  });
  newButton.addEventListener("click", showConfirm);
  function clearConversation() {
    hideConfirm();
    // A person may have this conversation: they are told the visitor left, and it leaves their queue.
    if (state.handoff && state.conversation && socket && socket.connected) socket.emit("handoff_leave", { conversation: state.conversation });
    for (const timer of answerTimers.values()) clearTimeout(timer);
    answerTimers.clear();
    state.messages = [];
    state.unread = 0;
    state.conversation = null;
    state.handoff = null;
    save();
    renderAll();
    log.scrollTop = 0;
    announce(t("conversationCleared"));
    input.focus({ preventScroll: true });
  }

  // --- Asking. ---
  function showNote(text, warn) {
    note.textContent = text || "";
    note.hidden = !text;
    note.classList.toggle("warn", Boolean(warn));
  }

  function updateCounter() {
    const length = input.value.length;
    if (length > MAX_CHARS * 0.8) showNote(t("counter", { n: length, max: MAX_CHARS }), length >= MAX_CHARS);
    else if (!note.dataset.sticky) showNote("");
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 3, 132) + "px";
  }

  input.addEventListener("input", () => {
    autosize();
    updateCounter();
  });
  input.addEventListener("paste", (event) => {
    const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    const selected = input.selectionEnd - input.selectionStart;
    if (input.value.length - selected + pasted.length > MAX_CHARS) {
      note.dataset.sticky = "1";
      showNote(t("tooLong", { max: MAX_CHARS }), true);
      setTimeout(() => delete note.dataset.sticky, 6000);
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : submit();
    }
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  function submit() {
    let text = input.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      text = Array.from(text).slice(0, MAX_CHARS).join("");
      showNote(t("tooLong", { max: MAX_CHARS }), true);
    } else {
      delete note.dataset.sticky;
      showNote("");
    }
    input.value = "";
    autosize();
    if (state.handoff === "waiting" || state.handoff === "active") sendToTeam(text);
    else ask(text);
  }

  function ask(question) {
    const text = str(question, MAX_CHARS * 2).trim();
    if (!text) return;
    addMessage({ t: "user", id: newId(), text, state: "queued" });
    ensureSocket();
    flush();
  }

  const answerTimers = new Map();

  /** Sends every queued question once. Questions are only emitted on a live connection. */
  function flush() {
    if (socket && socket.connected) {
      for (const m of state.messages) {
        if (m.t !== "user" || m.state !== "queued") continue;
        m.state = "sent";
        socket.emit("ask", { id: m.id, question: m.text, conversation: conversationId(), page: currentPage(), lang });
        replaceMessage(m);
        answerTimers.set(
          m.id,
          setTimeout(() => {
            answerTimers.delete(m.id);
            if (m.state !== "sent" || !online) return;
            m.state = "failed";
            addMessage({ t: "err", id: newId(), text: t("noReply") });
            updateTyping();
          }, ANSWER_TIMEOUT_MS),
        );
      }
      save();
    }
    updateTyping();
  }

  function findQuestion(id) {
    return typeof id === "string" ? state.messages.find((m) => m.t === "user" && m.id === id) : undefined;
  }

  /** The page the visitor is reading, without its query string or fragment (they may hold personal data):
   * the bot reads questions that name no topic as being about this page. */
  function currentPage() {
    return location.protocol.startsWith("http") ? location.origin + location.pathname : null;
  }

  function sanitizeAnswer(data) {
    const sources = (Array.isArray(data.sources) ? data.sources : []).slice(0, 1).map((s) => ({
      title: str(s && s.title, 300),
      url: httpUrl(s && s.url),
      heading: str(s && s.heading, 300),
      passage: str(s && s.passage, 20000),
      markdown: str(s && s.markdown, 40000),
      highlights: Array.isArray(s && s.highlights) ? s.highlights.slice(0, 20) : [],
    }));
    return {
      kind: str(data.kind, 20),
      intent: str(data.intent, 20),
      lead: str(data.lead, 2000),
      text: str(data.text, 20000),
      sources,
      suggestions: (Array.isArray(data.suggestions) ? data.suggestions : []).filter((x) => typeof x === "string").slice(0, 5),
    };
  }

  function receive(data, isError) {
    if (!data || typeof data !== "object") return;
    const question = findQuestion(data.id);
    if (!question && !(isError && data.id == null)) return; // from a cleared conversation
    if (question) {
      if (question.state === "answered") return; // already answered: never show a reply twice
      question.state = "answered";
      clearTimeout(answerTimers.get(question.id));
      answerTimers.delete(question.id);
      replaceMessage(question);
    }
    let message;
    if (isError) {
      message = { t: "err", id: newId(), text: errorText(data) };
    } else {
      message = { t: "bot", id: question.id, a: sanitizeAnswer(data), vote: null };
    }
    if (!state.open) state.unread += 1;
    addMessage(message);
    titleNewReply();
    updateTyping();
    updateBadge();
    scheduleIdleDrop();
    const kind = message.a && message.a.kind;
    if (kind !== "emergency") {
      const spoken = message.t === "err" ? message.text : (message.a.sources[0] && message.a.sources[0].passage) || message.a.text;
      announce(t("bot") + ": " + spoken);
    }
  }

  /** An error in the widget's language when its code is one we know; else the server's words. */
  function errorText(data) {
    const key = "error_" + str(data.code, 40);
    return key in T ? t(key) : str(data.message, 500) || t("errorGeneric");
  }

  const votesInFlight = new Set();

  /** Sends a vote (and an optional reason); the visitor may change the vote later. */
  function sendFeedback(message, payload, buttons, noteEl, done) {
    if ((message.vote === payload.vote && !payload.reason) || votesInFlight.has(message.id)) return;
    if (!socket || !socket.connected) {
      noteEl.textContent = t("voteOffline");
      return;
    }
    votesInFlight.add(message.id);
    buttons.forEach((b) => b.setAttribute("aria-disabled", "true"));
    socket.timeout(8000).emit("feedback", { id: message.id, ...payload, conversation: conversationId() }, (err, reply) => {
      votesInFlight.delete(message.id);
      buttons.forEach((b) => b.removeAttribute("aria-disabled"));
      if (!err && reply && reply.ok) {
        message.vote = payload.vote;
        save();
        for (const b of buttons) b.setAttribute("aria-pressed", b.dataset.vote === payload.vote ? "true" : "false");
        const label = noteEl.parentNode && noteEl.parentNode.querySelector(".label");
        if (label) label.hidden = true;
        noteEl.textContent = t("voteThanks");
        if (done) done();
      } else {
        noteEl.textContent = t("voteFailed");
      }
    });
  }

  // --- Talking to a person: the live hand-off and the callback form (bot/handoff_events.py). ---
  // state.handoff: null (the assistant answers), "waiting" (in the queue) or "active" (a person has the chat).
  const HANDOFF_KINDS = new Set(["sys", "staff", "form"]);

  function talkButton(primary) {
    return el(
      "button",
      { class: "action talk" + (primary ? " primary" : ""), type: "button", onclick: () => askForTeam() },
      icon("person"),
      t("askTeam"),
    );
  }

  function contactTexts(data) {
    const d = data && typeof data === "object" ? data : {};
    return {
      clinic: str(d.clinic, 200) || str(clinic().name, 200),
      privacy: str(d.privacy_notice, 1000),
      reply: str(d.reply_time, 300),
      hours: str(d.opening_hours, 300),
    };
  }

  function renderHandoff(message) {
    const row = el("div", { class: "row team " + message.t, "data-id": message.id, "data-kind": message.t });
    if (message.t === "sys") {
      row.append(el("div", { class: "bubble", role: "status", text: message.text }));
    } else if (message.t === "staff") {
      row.append(
        el("span", { class: "sr", text: t("staff") + ":" }),
        el("div", { class: "bubble" }, el("span", { class: "who", text: message.name }), el("p", { text: message.text })),
      );
    } else {
      row.append(el("div", { class: "bubble" }, ...callbackForm(message)));
    }
    return row;
  }

  function system(text) {
    addMessage({ t: "sys", id: newId(), text });
    announce(text);
  }

  /** "Talk to our team": the server answers with the queue, or (closed, nobody online) the callback form. */
  function askForTeam() {
    if (state.handoff === "waiting" || state.handoff === "active") return;
    if (!state.open) openPanel();
    ensureSocket();
    if (!socket || !socket.connected) {
      showNote(t("formOffline"), true);
      return;
    }
    socket.timeout(8000).emit("handoff_request", { conversation: conversationId() }, (err, reply) => {
      if (err || !reply || !reply.ok) {
        addMessage({ t: "err", id: newId(), text: str(reply && reply.message, 500) || t("errorGeneric") });
        return;
      }
      state.team = contactTexts(reply);
      if (reply.state === "waiting") {
        state.handoff = "waiting";
        save();
        system(t("queued", { clinic: state.team.clinic }));
      } else if (reply.state === "active") {
        state.handoff = "active";
        save();
      } else {
        offerForm(reply.state, reply);
      }
    });
  }

  /** After a reconnect (or a reload) the server puts this connection back in the conversation's room. */
  function rejoinTeam() {
    socket.emit("handoff_request", { conversation: conversationId(), rejoin: true }, (reply) => {
      if (reply && reply.ok && (reply.state === "waiting" || reply.state === "active")) return;
      state.handoff = null;
      save();
      if (reply && reply.state === "ended") system(t("staffLeftGeneric"));
    });
  }

  function onJoined(data) {
    // After "New conversation" the old hand-off is none of this chat's business.
    if (!data || typeof data !== "object" || !state.handoff) return;
    state.handoff = "active";
    state.staffName = str(data.staff_name, 100);
    save();
    system(t("joined", { name: state.staffName, clinic: str(data.clinic, 200) }));
    subtitleText.textContent = state.staffName + " · " + str(data.clinic, 200);
  }

  function onTeamReply(data) {
    if (!data || typeof data !== "object" || !state.handoff) return;
    if (!state.open) state.unread += 1;
    const message = { t: "staff", id: newId(), name: str(data.staff_name, 100), text: str(data.text, 2000) };
    addMessage(message);
    updateBadge();
    announce(message.name + ": " + message.text);
  }

  function onEnded(data) {
    if (!state.handoff) return; // a hand-off of a conversation the visitor has left ("New conversation")
    const name = state.staffName || t("staff");
    const reason = data && data.reason;
    state.handoff = null;
    save();
    subtitleText.textContent = t("assistant");
    system(reason === "returned" ? t("staffLeftBack", { name }) : reason === "closed" ? t("staffClosed", { name }) : t("staffLeftGeneric"));
  }

  function sendToTeam(text) {
    const message = { t: "user", id: newId(), text: str(text, MAX_CHARS), state: "answered" };
    addMessage(message);
    if (!socket || !socket.connected) {
      addMessage({ t: "err", id: newId(), text: t("formOffline") });
      return;
    }
    socket.timeout(8000).emit("handoff_message", { conversation: conversationId(), text: message.text }, (err, reply) => {
      if (err || !reply || !reply.ok) {
        if (reply && reply.code === "not_with_staff") {
          onEnded({});
          ask(message.text);
          return;
        }
        addMessage({ t: "err", id: newId(), text: str(reply && reply.message, 500) || t("errorGeneric") });
      }
    });
  }

  /** The callback form, when nobody can chat: out of hours, nobody online, or nobody took the chat in time. */
  function offerForm(why, data) {
    state.handoff = null;
    state.team = contactTexts(data);
    save();
    const texts = { closed: t("closedNow", { hours: state.team.hours }), no_staff: t("noStaff"), unclaimed: t("unclaimed") };
    system(texts[why] || t("noStaff"));
    const node = addMessage({ t: "form", id: newId(), reason: why in texts ? why : "asked", sent: false });
    const first = node.querySelector("input");
    if (first) first.focus({ preventScroll: true });
  }

  const FORM_FIELDS = [
    ["name", "fieldName", "text", "name", 100],
    ["phone", "fieldPhone", "tel", "tel", 30],
    ["email", "fieldEmail", "email", "email", 254],
    ["preferred_time", "fieldTime", "text", "off", 100],
  ];

  function callbackForm(message) {
    const team = state.team || contactTexts({});
    if (message.sent) return [el("p", { role: "status", text: t("formSent", { name: message.name || "", reply: team.reply }) })];
    const prefix = "ccw-cb-" + message.id.replace(/[^\w-]/g, "");
    const errors = {};
    const inputs = {};
    const field = (key, control, labelText) => {
      const error = el("span", { class: "field-error", id: `${prefix}-${key}-error`, hidden: true });
      errors[key] = error;
      inputs[key] = control;
      control.setAttribute("aria-describedby", error.id);
      control.id = `${prefix}-${key}`;
      return el("div", { class: "cb-field" }, el("label", { for: control.id, text: labelText }), control, error);
    };
    const rows = FORM_FIELDS.map(([key, label, type, autocomplete, max]) =>
      field(key, el("input", { type, name: key, autocomplete, maxlength: String(max + 20) }), t(label)),
    );
    rows.push(field("topic", el("textarea", { name: "topic", rows: "2", maxlength: "1100" }), t("fieldTopic")));
    const consentBox = el("input", { type: "checkbox", name: "consent" });
    const consentError = el("span", { class: "field-error", id: prefix + "-consent-error", hidden: true });
    errors.consent = consentError;
    inputs.consent = consentBox;
    consentBox.setAttribute("aria-describedby", consentError.id);
    const status = el("p", { class: "field-error", role: "alert" });
    const form = el(
      "form",
      { class: "callback", novalidate: true, "aria-label": t("formTitle") },
      el("p", { class: "who", text: t("formWho", { clinic: team.clinic, reply: team.reply }) }),
      ...rows,
      el("p", { class: "privacy", text: t("fieldContactHint") }),
      el("label", { class: "consent" }, consentBox, el("span", { text: t("consent") })),
      consentError,
      team.privacy ? el("p", { class: "privacy", text: team.privacy }) : null,
      status,
      el("button", { class: "action primary", type: "submit", text: t("formSend") }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const [key, error] of Object.entries(errors)) {
        error.hidden = true;
        inputs[key].removeAttribute("aria-invalid");
      }
      status.textContent = "";
      if (!socket || !socket.connected) {
        status.textContent = t("formOffline");
        return;
      }
      const payload = { conversation: conversationId(), reason: message.reason, consent: consentBox.checked };
      for (const key of ["name", "phone", "email", "preferred_time", "topic"]) payload[key] = inputs[key].value;
      socket.timeout(8000).emit("callback_request", payload, (err, reply) => {
        if (!err && reply && reply.ok) {
          message.sent = true;
          message.name = payload.name.trim().split(/\s+/)[0].slice(0, 100);
          save();
          const row = messages.querySelector(`.row[data-id="${CSS.escape(message.id)}"]`);
          if (row) row.replaceWith(renderMessage(message));
          announce(t("formSent", { name: message.name, reply: team.reply }));
          return;
        }
        status.textContent = reply && reply.code === "invalid_callback" ? t("formCheck") : str(reply && reply.message, 300) || t("formCheck");
        const fieldErrors = (reply && reply.errors) || {};
        const codes = (reply && reply.codes) || {};
        const limits = (reply && reply.limits) || {};
        let focused = false;
        for (const [key, text] of Object.entries(fieldErrors)) {
          if (!errors[key]) continue;
          // In the widget's language when it knows the code; else the server's (English) words.
          const own = "formError_" + str(codes[key], 40);
          errors[key].textContent = own in T ? t(own, { max: limits[key] }) : str(text, 300);
          errors[key].hidden = false;
          inputs[key].setAttribute("aria-invalid", "true");
          if (!focused) inputs[key].focus();
          focused = true;
        }
      });
    });
    return [el("p", { class: "heading", text: t("formTitle") }), form];
  }

  // --- The connection: socket.io-client from the bot's host, loaded on first open. ---
  let socket = null;
  let idleDropped = false; // let go while the chat was closed and quiet; opening the chat connects again
  let idleTimer = null;
  let clientPromise = null;
  let loadAttempts = 0;
  let loadRetryTimer = null;

  function loadClient() {
    if (clientPromise) return clientPromise;
    clientPromise = new Promise((resolve, reject) => {
      const previous = window.io;
      const amd = typeof window.define === "function" && window.define.amd ? window.define : null;
      if (amd) window.define = undefined; // the UMD build would register with RequireJS instead of a global
      const tag = document.createElement("script");
      tag.src = BOT + "/vendor/socket.io.min.js";
      tag.async = true;
      const done = () => {
        if (amd) window.define = amd;
        tag.remove();
      };
      tag.onload = () => {
        const client = window.io;
        if (previous !== undefined) window.io = previous; // leave the page's own `io` alone
        done();
        typeof client === "function" ? resolve(client) : reject(new Error("no io"));
      };
      tag.onerror = () => {
        done();
        reject(new Error("socket.io client failed to load"));
      };
      (document.head || document.documentElement).append(tag);
    });
    clientPromise.catch(() => {
      clientPromise = null;
    });
    return clientPromise;
  }

  function ensureSocket() {
    if (socket) {
      if (!socket.connected) reconnectNow();
      return;
    }
    if (clientPromise) return;
    setOnline(false);
    clearTimeout(loadRetryTimer);
    loadClient().then(
      (io) => {
        loadAttempts = 0;
        if (!socket) connect(io);
      },
      () => {
        setOnline(false, true);
        loadAttempts += 1;
        const delay = Math.min(30000, 1000 * 2 ** Math.min(loadAttempts, 5)) * (0.75 + Math.random() * 0.5);
        loadRetryTimer = setTimeout(ensureSocket, delay);
      },
    );
  }

  function connect(io) {
    socket = io(BOT, {
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
      withCredentials: false,
      auth: { lang }, // the greeting and disclaimer in the visitor's language, when the clinic wrote them
    });
    socket.on("connect", () => {
      everConnected = true;
      idleDropped = false;
      setOnline(true);
      if (state.handoff === "waiting" || state.handoff === "active") rejoinTeam();
      flush();
      scheduleIdleDrop();
    });
    socket.on("disconnect", (reason) => {
      setOnline(false);
      // Drop what socket.io-client buffered itself: the widget re-sends unanswered questions on reconnect,
      // and only over a live connection, so each question goes out exactly once per connection.
      socket.sendBuffer = [];
      for (const m of state.messages) if (m.t === "user" && m.state === "sent") m.state = "queued";
      for (const timer of answerTimers.values()) clearTimeout(timer);
      answerTimers.clear();
      save();
      state.messages.filter((m) => m.t === "user" && m.state === "queued").forEach(replaceMessage);
      updateTyping();
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000); // no automatic retry then
    });
    socket.on("connect_error", () => setOnline(false, true));
    socket.on("welcome", (data) => {
      if (!data || typeof data !== "object") return;
      const fresh = {
        clinic: data.clinic && typeof data.clinic === "object" ? data.clinic : {},
        greeting: str(data.greeting, 1000),
        disclaimer: str(data.disclaimer, 1000),
        suggestions: Array.isArray(data.suggestions) ? data.suggestions.filter((s) => typeof s === "string").slice(0, 6) : [],
      };
      if (JSON.stringify(fresh) === JSON.stringify(welcome)) return; // every reconnect greets again: keep focus
      welcome = state.welcome = fresh;
      save();
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      renderIntro();
      if (atBottom) scrollToEnd();
      if (!state.messages.length) announceGreeting();
    });
    socket.on("answer", (data) => receive(data, false));
    socket.on("handoff_joined", onJoined);
    socket.on("handoff_reply", onTeamReply);
    socket.on("handoff_ended", onEnded);
    socket.on("handoff_unclaimed", (data) => state.handoff && offerForm("unclaimed", data));
    socket.on("error", (data) => receive(data, true));
  }

  /** With the chat closed, let the connection go after a quiet while (an open connection costs the server
   * memory and pings all day); a question still awaited keeps it. */
  function scheduleIdleDrop() {
    clearTimeout(idleTimer);
    if (state.open || !socket) return;
    idleTimer = setTimeout(() => {
      if (state.open || !socket) return;
      const withTeam = state.handoff === "waiting" || state.handoff === "active"; // replies may still come
      if (withTeam || state.messages.some((m) => m.t === "user" && (m.state === "sent" || m.state === "queued"))) {
        scheduleIdleDrop();
        return;
      }
      idleDropped = true;
      socket.disconnect();
      clearTimeout(statusTimer); // nothing to report: the chat is closed, and opening it connects again
    }, IDLE_DISCONNECT_MS);
  }

  /** Whether the widget should be connected: the chat is open, or it was connected and not let go. */
  function wantsConnection() {
    return state.open || (socket && !idleDropped);
  }

  /** Skip the back-off wait: the tab is visible again or the network came back. */
  function reconnectNow() {
    if (!socket) {
      if (state.open) ensureSocket();
      return;
    }
    if (socket.connected) return;
    socket.disconnect();
    socket.connect();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && wantsConnection()) reconnectNow();
  });
  window.addEventListener("online", () => {
    if (wantsConnection()) reconnectNow();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && wantsConnection()) reconnectNow();
  });

  // --- Start. ---
  function mount() {
    (document.body || document.documentElement).append(host);
    fitAccentContrast();
    renderAll();
    if (state.handoff === "active" && state.staffName) subtitleText.textContent = state.staffName;
    if (state.open) openPanel({ focus: false });
    else if (state.messages.some((m) => m.t === "user" && m.state === "queued")) ensureSocket();
    updateBadge();
  }

  window.__clinicChatWidget = {
    version: 1,
    open: () => openPanel(),
    close: () => closePanel(),
    get shadowRoot() {
      return shadow;
    },
  };

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
