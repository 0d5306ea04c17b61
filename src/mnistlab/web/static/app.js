// The draw-a-digit page: strokes on a canvas (Pointer Events: mouse, pen, touch),
// Undo and Clear, upload, and a live prediction after each stroke.
"use strict";

(() => {
  // The pad is 280×280 canvas units however large it is shown. MNIST scaled each
  // digit so that its longer side is 20 of 28 pixels, and its pen strokes are
  // about 2.5 of those 20: an eighth of the digit's height. A digit drawn about
  // 190 units high (two thirds of the pad) with a 22-unit pen comes out the same.
  const SIDE = 280;
  const PEN = 22;
  const DEBOUNCE_MS = 120;
  // The drawing is sent at half size: the digit ends up 20 pixels high anyway,
  // 140×140 keeps seven times that detail, and the server prepares a quarter of
  // the pixels (a quarter of the time of its slowest step).
  const SEND_SIDE = 140;

  const pad = document.getElementById("pad");
  const ctx = pad.getContext("2d");
  const undoButton = document.getElementById("undo");
  const clearButton = document.getElementById("clear");
  const upload = document.getElementById("upload");
  const result = document.getElementById("result");
  const digitOut = document.getElementById("digit");
  const confidence = document.getElementById("confidence");
  const statusLine = document.getElementById("status");
  const unsureNote = document.getElementById("unsure");
  const bars = Array.from(document.querySelectorAll("#bars .bar"));
  const seen = document.getElementById("seen");
  const seenCtx = seen.getContext("2d", { willReadFrequently: true });
  const modelLine = document.getElementById("model");
  const small = document.createElement("canvas");
  small.width = SEND_SIDE;
  small.height = SEND_SIDE;

  let strokes = []; // each stroke: an array of [x, y] in canvas units
  let current = null; // the stroke being drawn
  let activePointer = null; // one pointer draws at a time
  let uploaded = null; // an ImageBitmap shown on the pad after an upload
  let timer = 0;
  let sent = 0; // requests sent; an answer to any but the last is stale
  let shown = 0; // answers shown; the page's tests wait on it
  let controller = null;

  function point(event) {
    const box = pad.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * SIDE) / box.width,
      ((event.clientY - box.top) * SIDE) / box.height,
    ];
  }

  function redraw() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIDE, SIDE);
    if (uploaded) {
      const scale = Math.min(SIDE / uploaded.width, SIDE / uploaded.height);
      const w = uploaded.width * scale;
      const h = uploaded.height * scale;
      ctx.drawImage(uploaded, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
    }
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = PEN;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const stroke of strokes) {
      if (stroke.length === 1) {
        ctx.beginPath();
        ctx.arc(stroke[0][0], stroke[0][1], PEN / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      for (let i = 1; i < stroke.length; i += 1) ctx.lineTo(stroke[i][0], stroke[i][1]);
      ctx.stroke();
    }
    undoButton.disabled = strokes.length === 0;
    clearButton.disabled = strokes.length === 0 && !uploaded;
  }

  pad.addEventListener("pointerdown", (event) => {
    if (activePointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    activePointer = event.pointerId;
    if (uploaded) {
      uploaded = null;
      strokes = [];
    }
    clearTimeout(timer); // no prediction of half a stroke
    current = [point(event)];
    strokes.push(current);
    redraw();
  });

  pad.addEventListener("pointermove", (event) => {
    if (event.pointerId !== activePointer) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) current.push(point(e));
    redraw();
  });

  function endStroke(event) {
    if (event.pointerId !== activePointer) return;
    activePointer = null;
    current = null;
    schedulePrediction();
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  function schedulePrediction() {
    clearTimeout(timer);
    if (strokes.length === 0) {
      showEmpty();
      return;
    }
    timer = setTimeout(() => {
      small.getContext("2d").drawImage(pad, 0, 0, SEND_SIDE, SEND_SIDE);
      small.toBlob((blob) => {
        if (blob) send(blob, "image/png");
      }, "image/png");
    }, DEBOUNCE_MS);
  }

  function cancelPending() {
    clearTimeout(timer);
    sent += 1; // whatever is on its way is now stale
    if (controller) controller.abort();
    controller = null;
  }

  undoButton.addEventListener("click", () => {
    strokes.pop();
    redraw();
    cancelPending();
    schedulePrediction();
  });

  clearButton.addEventListener("click", () => {
    strokes = [];
    uploaded = null;
    redraw();
    cancelPending();
    showEmpty();
  });

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && strokes.length) {
      event.preventDefault();
      undoButton.click();
    }
  });

  upload.addEventListener("change", async () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    cancelPending();
    strokes = [];
    uploaded = null;
    try {
      uploaded = await createImageBitmap(file);
    } catch (err) {
      uploaded = null; // the server says what is wrong with it
    }
    redraw();
    const form = new FormData();
    form.append("file", file, file.name);
    upload.value = ""; // choosing the same file again is a new upload
    send(form, null);
  });

  async function send(body, contentType) {
    sent += 1;
    const mine = sent;
    if (controller) controller.abort();
    controller = new AbortController();
    result.dataset.state = "pending";
    statusLine.textContent = "Thinking…";
    try {
      const response = await fetch("/api/predict", {
        method: "POST",
        body,
        headers: contentType ? { "Content-Type": contentType } : {},
        signal: controller.signal,
      });
      const answer = await response.json().catch(() => null);
      if (mine !== sent) return; // a newer drawing was sent meanwhile
      if (!response.ok) {
        const message = answer && answer.error ? answer.error.message : `HTTP ${response.status}`;
        showError(message);
        return;
      }
      showPrediction(answer);
    } catch (err) {
      if (mine !== sent || err.name === "AbortError") return;
      showError(`The server did not answer (${err.message}).`);
    }
  }

  function setBars(probabilities, best) {
    bars.forEach((bar, d) => {
      const p = probabilities ? probabilities[d] : 0;
      const percent = `${(100 * p).toFixed(1)}%`;
      bar.dataset.probability = String(p);
      bar.querySelector(".fill").style.width = `${(100 * p).toFixed(2)}%`;
      bar.querySelector(".value").textContent = percent;
      bar.classList.toggle("best", d === best);
      bar.setAttribute("aria-label", `${bar.querySelector(".label").textContent}: ${percent}`);
    });
  }

  function showSeen(rows) {
    const image = seenCtx.createImageData(28, 28);
    rows.forEach((row, y) =>
      row.forEach((v, x) => {
        const i = 4 * (28 * y + x);
        image.data[i] = v;
        image.data[i + 1] = v;
        image.data[i + 2] = v;
        image.data[i + 3] = 255;
      }),
    );
    seenCtx.putImageData(image, 0, 0);
  }

  function finish(state) {
    shown += 1;
    result.dataset.state = state;
    result.dataset.seq = String(shown);
  }

  function showPrediction(answer) {
    const p = answer.probabilities;
    // The class's name: the digit itself for MNIST, e.g. "Sneaker" for Fashion-MNIST.
    const label = answer.label ?? String(answer.digit);
    const kind = label === String(answer.digit) ? "digit" : "image";
    digitOut.textContent = label;
    digitOut.dataset.digit = String(answer.digit);
    confidence.textContent = `${(100 * p[answer.digit]).toFixed(1)}% sure`;
    statusLine.textContent = `The model ${answer.model} reads a ${label}.`;
    // The server says when the image may not be a digit of the model's data set.
    unsureNote.textContent = answer.unsure
      ? `Unsure: this may not be a ${kind} like those the model learned (${answer.unsure_reason}).`
      : "";
    unsureNote.hidden = !answer.unsure;
    setBars(p, answer.digit);
    showSeen(answer.input);
    finish("ready");
  }

  function reset() {
    unsureNote.textContent = "";
    unsureNote.hidden = true;
    digitOut.textContent = "–";
    digitOut.dataset.digit = "";
    confidence.textContent = "";
    setBars(null, -1);
    seenCtx.fillStyle = "#000";
    seenCtx.fillRect(0, 0, 28, 28);
  }

  function showEmpty() {
    reset();
    statusLine.textContent = "Draw a digit to see what the model thinks.";
    finish("empty");
  }

  function showError(message) {
    reset();
    statusLine.textContent = message;
    finish("error");
  }

  async function showModel() {
    try {
      const response = await fetch("/api/models");
      const info = (await response.json()).serving;
      const accuracy =
        info.test_accuracy === null ? "" : `, test accuracy ${(100 * info.test_accuracy).toFixed(2)}%`;
      modelLine.textContent = `Model: ${info.name} (${info.family}${accuracy})`;
      modelLine.dataset.model = info.name;
    } catch (err) {
      modelLine.textContent = "Model: unknown (the server did not say)";
    }
  }

  redraw();
  reset();
  showModel();
})();
