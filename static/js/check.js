// /draws/<id>/check: one number, checked in the browser against the draw's certificate
// (DOMAIN.md "The draw, exactly" and "Per-number proofs"), with WebCrypto only: no library.
// The server's answer (GET /draws/<id>/proof) is shown beside this browser's own verdict, and
// any disagreement is a failure. Without JavaScript the form submits and the page shows the
// server's answer and the offline command instead.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) return;
  var texts = JSON.parse(document.getElementById("check-texts").textContent);
  var out = document.getElementById("browser-check");
  var errorBox = document.getElementById("number-error");
  var input = form.elements.number;
  var subtle = window.crypto && window.crypto.subtle;

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) {
      return String(values[name]);
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  if (!subtle) {
    // Not a secure context (plain http other than localhost): no verdict rather than a wrong one.
    out.hidden = false;
    out.className = "card notice";
    out.dataset.verdict = "no-crypto";
    out.appendChild(element("p", "", texts.no_crypto));
    return;
  }

  // city.inputs.typed_code: full-width ASCII made ASCII; spaces and dashes are only grouping.
  var GROUPING = " \t\u00a0\u2007\u202f\u3000-\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212";
  function typedCode(value) {
    var result = "";
    for (var i = 0; i < value.length; i++) {
      var ch = value.charAt(i);
      var code = value.charCodeAt(i);
      if (GROUPING.indexOf(ch) >= 0) continue;
      result += code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : ch;
    }
    return result;
  }

  // --- Bytes and hashes ---------------------------------------------------------------------
  var encoder = new TextEncoder();

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return text;
  }

  function fromHex(text) {
    if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) return null;
    var bytes = new Uint8Array(text.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
    return bytes;
  }

  function concat(parts) {
    var length = 0;
    parts.forEach(function (part) { length += part.length; });
    var joined = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (part) { joined.set(part, at); at += part.length; });
    return joined;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  // RFC 6962 section 2.1: leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ l ‖ r).
  function leafHash(digits) {
    return sha256(concat([new Uint8Array([0]), encoder.encode(digits)]));
  }

  function nodeHash(left, right) {
    return sha256(concat([new Uint8Array([1]), left, right]));
  }

  // lottery/verify.py root_from_audit_path, line for line (RFC 9162 section 2.1.3.2): the root
  // the path leads to from the leaf, or null when it cannot belong to a tree of `size` at `index`.
  async function rootFromAuditPath(leaf, index, size, path) {
    if (!(index >= 0 && index < size)) return null;
    var node = index, last = size - 1, result = leaf;
    for (var i = 0; i < path.length; i++) {
      if (last === 0) return null;
      if (node % 2 === 1 || node === last) {
        result = await nodeHash(path[i], result);
        while (node % 2 === 0 && node !== 0) {
          node = Math.floor(node / 2);
          last = Math.floor(last / 2);
        }
      } else {
        result = await nodeHash(result, path[i]);
      }
      node = Math.floor(node / 2);
      last = Math.floor(last / 2);
    }
    return last === 0 ? result : null;
  }

  // verify.py normalise_public_value: line breaks as LF, no leading or trailing white space.
  function normalisePublicValue(text) {
    return text.replace(/\r\n/g, "\n").replace(/\r/g, "\n").trim();
  }

  // key = SHA-256(S ‖ pool digest ‖ UTF-8 B); rank(n) = HMAC-SHA256(key, eight ASCII digits).
  async function rankOf(secret, poolDigest, publicValue, digits) {
    var key = await sha256(concat([secret, poolDigest, encoder.encode(normalisePublicValue(publicValue))]));
    var hmacKey = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", hmacKey, encoder.encode(digits)));
  }

  // Lower-case hex of equal length compares as the bytes do.
  function wonByRule(rankHex, digits, cutoffRank, cutoffNumber) {
    if (cutoffRank === null || cutoffRank === undefined || cutoffNumber === null) return false;
    if (rankHex !== cutoffRank) return rankHex < cutoffRank;
    return parseInt(digits, 10) <= cutoffNumber;
  }

  // --- The check ----------------------------------------------------------------------------
  async function fetchBoth(digits) {
    var proofUrl = form.dataset.proofUrl + "?number=" + encodeURIComponent(digits);
    var answers = await Promise.all([
      fetch(proofUrl, { cache: "no-store" }),
      fetch(form.dataset.certificateUrl, { cache: "no-store" }),
    ]);
    if (!answers[0].ok) throw new Error("proof: HTTP " + answers[0].status);
    if (!answers[1].ok) throw new Error("certificate.json: HTTP " + answers[1].status);
    var proof = await answers[0].json();
    var certificateBytes = new Uint8Array(await answers[1].arrayBuffer());
    var certificate = JSON.parse(new TextDecoder("utf-8").decode(certificateBytes));
    return { proof: proof, certificate: certificate, certificateBytes: certificateBytes };
  }

  async function compute(digits, got) {
    var proof = got.proof, certificate = got.certificate;
    var problems = [];
    var mine = { certificate: hex(await sha256(got.certificateBytes)) };
    if (mine.certificate !== form.dataset.certificateSha256) problems.push(texts.bad_certificate);
    if (proof.number !== digits) problems.push(texts.bad_number);

    var secret = fromHex(certificate.secret || "");
    var commitmentOk = secret !== null && secret.length === 32 &&
      hex(await sha256(secret)) === certificate.commitment;
    mine.commitment = commitmentOk;
    if (!commitmentOk) problems.push(texts.bad_commitment);

    if (!proof.in_pool) return { mine: mine, problems: problems };
    mine.in_pool = true;

    var path = Array.isArray(proof.audit_path) ? proof.audit_path.map(fromHex) : null;
    var shaped = path !== null && path.every(function (hash) { return hash !== null && hash.length === 32; });
    if (!shaped) problems.push(say(texts.bad_form, { why: "audit_path" }));
    if (!Number.isInteger(proof.index) || !Number.isInteger(proof.pool_size)) {
      problems.push(say(texts.bad_form, { why: "index, pool_size" }));
      shaped = false;
    }
    if (proof.pool_size !== certificate.pool_size) problems.push(texts.bad_size);
    if (proof.root !== certificate.pool_merkle_root) problems.push(texts.bad_root);
    if (shaped) {
      // The certificate's size, not the proof's: the tree's shape is fixed by the certificate.
      var reached = await rootFromAuditPath(await leafHash(digits), proof.index, certificate.pool_size, path);
      mine.root = reached === null ? null : hex(reached);
      mine.index = proof.index;
      if (mine.root === null || mine.root !== certificate.pool_merkle_root) {
        mine.in_pool = false;
        problems.push(texts.bad_path);
      }
    } else {
      mine.in_pool = false;
    }

    var poolDigest = fromHex(certificate.pool_digest || "");
    if (commitmentOk && poolDigest !== null && poolDigest.length === 32 && typeof certificate.public_value === "string") {
      mine.rank = hex(await rankOf(secret, poolDigest, certificate.public_value, digits));
      mine.won = wonByRule(mine.rank, digits, certificate.cutoff_rank, certificate.cutoff_number);
      if (proof.rank !== mine.rank) problems.push(texts.bad_rank);
      if (proof.won !== mine.won) problems.push(texts.bad_won);
    }
    return { mine: mine, problems: problems };
  }

  function row(table, label, mineValue, serverValue, asCode) {
    var tr = element("tr");
    tr.appendChild(element("th", "", label)).setAttribute("scope", "row");
    [mineValue, serverValue].forEach(function (value) {
      var td = element("td");
      if (asCode && value !== texts.not_given) td.appendChild(element("code", "", value));
      else td.textContent = value;
      tr.appendChild(td);
    });
    table.appendChild(tr);
  }

  function show(value) {
    if (value === undefined || value === null) return texts.not_given;
    if (value === true) return texts.yes;
    if (value === false) return texts.no;
    return String(value);
  }

  function outcome(value) {
    if (value === undefined || value === null) return texts.not_given;
    return value ? texts.won_word : texts.lost_word;
  }

  function render(digits, got, result) {
    var proof = got.proof, mine = result.mine, failed = result.problems.length > 0;
    out.textContent = "";
    out.hidden = false;
    out.className = failed ? "card error check-failed" : "card highlight";
    var verdict;
    if (failed) verdict = "failed";
    else if (!proof.in_pool) verdict = "not-in-pool";
    else verdict = mine.won ? "won" : "lost";
    out.dataset.verdict = verdict;
    out.dataset.number = digits;
    if (mine.rank) out.dataset.rank = mine.rank;
    if (mine.index !== undefined) out.dataset.index = mine.index;
    if (mine.root) out.dataset.root = mine.root;
    out.dataset.certificateSha256 = mine.certificate;

    if (failed) {
      out.setAttribute("role", "alert");
      out.appendChild(element("h2", "", texts.failed));
      var list = element("ul");
      result.problems.forEach(function (problem) { list.appendChild(element("li", "", problem)); });
      out.appendChild(list);
      out.appendChild(element("p", "", texts.failed_after));
    } else {
      out.removeAttribute("role");
      var size = got.certificate.pool_size;
      var sentence = !proof.in_pool ? texts.not_in_pool : mine.won ? texts.won : texts.lost;
      out.appendChild(element("p", "verdict")).appendChild(
        element("strong", "", say(sentence, { number: digits, size: size }))
      );
      out.appendChild(element("p", "done", texts.agrees));
    }

    var table = element("table", "comparison");
    var head = element("thead");
    var headRow = element("tr");
    [texts.col_what, texts.col_browser, texts.col_server].forEach(function (title) {
      headRow.appendChild(element("th", "", title)).setAttribute("scope", "col");
    });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = element("tbody");
    row(body, texts.row_in_pool, show(mine.in_pool), show(proof.in_pool));
    if (proof.in_pool) {
      row(body, texts.row_index, show(mine.index), show(proof.index));
      row(body, texts.row_root, show(mine.root), show(proof.root), true);
      row(body, texts.row_rank, show(mine.rank), show(proof.rank), true);
      row(body, texts.row_won, outcome(mine.won), outcome(proof.won));
    }
    row(body, texts.row_commitment, show(mine.commitment), texts.not_given);
    row(body, texts.row_certificate, mine.certificate, form.dataset.certificateSha256, true);
    table.appendChild(body);
    out.appendChild(table);
  }

  async function check(digits) {
    // A fresh box: nothing left over from the number checked before.
    Object.keys(out.dataset).forEach(function (name) { delete out.dataset[name]; });
    out.removeAttribute("role");
    out.hidden = false;
    out.className = "card";
    out.dataset.verdict = "checking";
    out.textContent = texts.checking;
    var command = document.getElementById("offline-command");
    if (command) command.textContent = "python3 verify.py --number " + digits + " certificate.json pool.txt winners.txt";
    var got;
    try {
      got = await fetchBoth(digits);
    } catch (error) {
      out.className = "card error check-failed";
      out.dataset.verdict = "failed";
      out.setAttribute("role", "alert");
      out.textContent = say(texts.fetch_failed, { why: error.message });
      return;
    }
    render(digits, got, await compute(digits, got));
  }

  form.addEventListener("submit", function (event) {
    var digits = typedCode(input.value.trim());
    event.preventDefault();
    var stale = document.getElementById("server-answer");
    if (stale) stale.remove();  // it answered the number asked before
    if (!/^[0-9]{8}$/.test(digits)) {
      errorBox.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "number-error");
      out.hidden = true;
      return;
    }
    errorBox.hidden = true;
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    input.value = digits;
    history.replaceState(null, "", form.action + "?number=" + digits);
    check(digits);
  });

  // A page the server answered (the form submitted, or a shared link): check the same number.
  if (form.dataset.number) check(form.dataset.number);
})();
