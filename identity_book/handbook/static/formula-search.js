/* identity-book: search the handbook by formula, offline.

   The query is parsed and normalised exactly as identity_book/search/normal.py does it (the
   same rewrites, sorting, trace rotations and renaming, printed the same way), then compared
   with the normal forms that the build wrote into formula-index.js. The parser covers the
   catalogue's language except sum(), prod() and block(): names, numbers, + - * / ** @ .T,
   unary minus, parentheses and calls of the catalogue's functions (the table of names and
   argument counts comes from the index). No network, no eval. */
(function (root) {
  "use strict";

  var MAX_PERMUTED = 6;
  var SCALAR_CALLS = ["tr", "det", "logdet", "logabsdet", "inner", "norm", "entry"];
  var ELEMENTWISE = ["log", "exp", "sqrt", "abs", "sin", "cos"];
  var TRANSPOSE_INSIDE = ["inv", "pinv", "expm", "sinm", "cosm", "sqrtm", "kron"];
  var TRANSPOSE_FREE = ["det", "logdet", "logabsdet", "norm"];

  function SearchError(message, column) {
    this.message = message;
    this.column = column; // 0-based
  }

  function T(op, args, value) {
    return { op: op, args: args || [], value: value };
  }

  // -- exact rationals (BigInt) ----------------------------------------------------------------
  function gcd(a, b) {
    if (a < 0n) a = -a;
    if (b < 0n) b = -b;
    while (b) { var t = a % b; a = b; b = t; }
    return a;
  }
  function frac(n, d) {
    if (d === undefined) d = 1n;
    if (d < 0n) { n = -n; d = -d; }
    var g = gcd(n, d) || 1n;
    return { n: n / g, d: d / g };
  }
  function fmul(a, b) { return frac(a.n * b.n, a.d * b.d); }
  function isZero(a) { return a.n === 0n; }
  function isOne(a) { return a.n === a.d; }
  function decimal(text) {
    // an exact value of a decimal literal such as 12, 0.5, 1e-3, 2.5E2
    var m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    var digits = m[1] + (m[2] || "");
    var exponent = (m[3] ? parseInt(m[3], 10) : 0) - (m[2] || "").length;
    var n = BigInt(digits || "0");
    return exponent >= 0 ? frac(n * 10n ** BigInt(exponent)) : frac(n, 10n ** BigInt(-exponent));
  }
  function num(f) { return T("num", [], f); }

  // -- tokens and parser (Python's precedence: + - < * / @ < unary - < ** < calls, .T) --------
  function tokenize(text) {
    var tokens = [], i = 0, re = /\s+|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*\/@(),.])/y;
    while (i < text.length) {
      re.lastIndex = i;
      var m = re.exec(text);
      if (!m) throw new SearchError("unexpected character " + JSON.stringify(text[i]), i);
      if (m[1]) tokens.push({ kind: "num", text: m[1], at: i });
      else if (m[2]) tokens.push({ kind: "name", text: m[2], at: i });
      else if (m[3]) tokens.push({ kind: "op", text: m[3], at: i });
      i = re.lastIndex;
    }
    tokens.push({ kind: "end", text: "", at: text.length });
    return tokens;
  }

  function Parser(text, functions) {
    this.tokens = tokenize(text);
    this.pos = 0;
    this.functions = functions;
  }
  Parser.prototype.peek = function () { return this.tokens[this.pos]; };
  Parser.prototype.next = function () { return this.tokens[this.pos++]; };
  Parser.prototype.expect = function (text) {
    var t = this.next();
    if (t.text !== text) throw new SearchError("syntax error: expected '" + text + "'", t.at);
    return t;
  };
  Parser.prototype.sum = function () {
    var left = this.product();
    while (this.peek().text === "+" || this.peek().text === "-") {
      left = T(this.next().text, [left, this.product()]);
    }
    return left;
  };
  Parser.prototype.product = function () {
    var left = this.unary();
    while (["*", "/", "@"].indexOf(this.peek().text) >= 0) {
      left = T(this.next().text, [left, this.unary()]);
    }
    return left;
  };
  Parser.prototype.unary = function () {
    var t = this.peek();
    if (t.text === "-" || t.text === "+") {
      this.next();
      var inner = this.unary();
      return t.text === "-" ? T("neg", [inner]) : inner;
    }
    return this.power();
  };
  Parser.prototype.power = function () {
    var base = this.postfix();
    if (this.peek().text === "**") {
      this.next();
      return T("**", [base, this.unary()]);
    }
    return base;
  };
  Parser.prototype.postfix = function () {
    var node = this.atom();
    for (;;) {
      var t = this.peek();
      if (t.text === ".") {
        this.next();
        var attr = this.next();
        if (attr.text !== "T") throw new SearchError("attribute '" + attr.text + "' is not allowed (only .T)", t.at);
        node = T("T", [node]);
      } else if (t.text === "(") {
        throw new SearchError("only named functions can be called", t.at);
      } else {
        return node;
      }
    }
  };
  Parser.prototype.atom = function () {
    var t = this.next();
    if (t.kind === "num") return num(decimal(t.text));
    if (t.kind === "name") {
      if (this.peek().text !== "(") return T("var", [], t.text);
      return this.call(t);
    }
    if (t.text === "(") {
      var inner = this.sum();
      this.expect(")");
      return inner;
    }
    throw new SearchError(t.kind === "end" ? "syntax error: the expression ends too early" : "syntax error", t.at);
  };
  Parser.prototype.call = function (name) {
    if (["sum", "prod", "block"].indexOf(name.text) >= 0) {
      throw new SearchError(name.text + "() is not supported in the search box (use identity-book find)", name.at);
    }
    var arity = this.functions[name.text];
    if (!arity) throw new SearchError("unknown function '" + name.text + "'", name.at);
    this.expect("(");
    var args = [];
    if (this.peek().text !== ")") {
      args.push(this.sum());
      while (this.peek().text === ",") { this.next(); args.push(this.sum()); }
    }
    this.expect(")");
    if (arity.indexOf(args.length) < 0) {
      throw new SearchError(name.text + "() takes " + arity.join(" or ") + " argument(s), got " + args.length, name.at);
    }
    return T(name.text, args);
  };

  function parsePattern(text, functions) {
    if (!text.trim()) throw new SearchError("empty expression", 0);
    var p = new Parser(text, functions);
    var tree = p.sum();
    if (p.peek().kind !== "end") throw new SearchError("syntax error", p.peek().at);
    return tree;
  }

  // -- rewrites (as in normal.py) ---------------------------------------------------------------
  function isScalar(t) {
    if (t.op === "num" || SCALAR_CALLS.indexOf(t.op) >= 0 || t.op === "**") return true;
    if (["+", "*", "/", "neg"].indexOf(t.op) >= 0 || ELEMENTWISE.indexOf(t.op) >= 0) return t.args.every(isScalar);
    return false;
  }
  function flat(op, args) {
    var out = [];
    args.forEach(function (a) { if (a.op === op) out.push.apply(out, a.args); else out.push(a); });
    return out;
  }
  function add(args) {
    var f = flat("+", args);
    return f.length === 1 ? f[0] : T("+", f);
  }
  function mul(args) {
    var coeff = frac(1n), rest = [];
    flat("*", args).forEach(function (a) { if (a.op === "num") coeff = fmul(coeff, a.value); else rest.push(a); });
    if (isZero(coeff) || !rest.length) return num(coeff);
    if (!isOne(coeff)) rest.unshift(num(coeff));
    return rest.length === 1 ? rest[0] : T("*", rest);
  }
  function split(t) {
    if (isScalar(t)) return [[t], null];
    if (t.op === "*") {
      var s = t.args.filter(isScalar), m = t.args.filter(function (a) { return !isScalar(a); });
      return [s, m.length === 1 ? m[0] : T("*", m)];
    }
    return [[], t];
  }
  function matmul(args) {
    var scalars = [], factors = [];
    args.forEach(function (a) {
      var sm = split(a);
      scalars.push.apply(scalars, sm[0]);
      if (sm[1]) { if (sm[1].op === "@") factors.push.apply(factors, sm[1].args); else factors.push(sm[1]); }
    });
    if (!factors.length) return mul(scalars);
    var core = factors.length === 1 ? factors[0] : T("@", factors);
    return scalars.length ? mul(scalars.concat([core])) : core;
  }
  function transpose(t) {
    if (isScalar(t) || t.op === "I") return t;
    if (t.op === "T") return t.args[0];
    if (t.op === "@") return matmul(t.args.slice().reverse().map(transpose));
    if (t.op === "+") return add(t.args.map(transpose));
    if (t.op === "*") return mul(t.args.map(transpose));
    if (TRANSPOSE_INSIDE.indexOf(t.op) >= 0) return T(t.op, t.args.map(transpose));
    if (t.op === "mpow") return T("mpow", [transpose(t.args[0]), t.args[1]]);
    return T("T", [t]);
  }
  function trace(t) {
    if (t.op === "+") return add(t.args.map(trace));
    if (t.op === "kron") return mul(t.args.map(trace));
    var sm = split(t);
    if (sm[0].length && sm[1]) return mul(sm[0].concat([trace(sm[1])]));
    return T("tr", [t]);
  }
  function rewrite(t) {
    if (!t.args.length) return t;
    var a = t.args.map(rewrite), op = t.op;
    if (op === "neg") return mul([num(frac(-1n)), a[0]]);
    if (op === "-") return add([a[0], mul([num(frac(-1n)), a[1]])]);
    if (op === "+") return add(a);
    if (op === "*" || op === "hadamard") return mul(a);
    if (op === "/" && a[1].op === "num" && !isZero(a[1].value)) return mul([num(frac(a[1].value.d, a[1].value.n)), a[0]]);
    if (op === "@") return matmul(a);
    if (op === "T") return transpose(a[0]);
    if (op === "inner") return trace(matmul([transpose(a[0]), a[1]]));
    if (op === "tr") return trace(a[0]);
    return T(op, a);
  }

  // -- printing, renaming, near matches ---------------------------------------------------------
  function least(list) {
    return list.reduce(function (a, b) { return b < a ? b : a; });
  }
  function show(t, names, strip) {
    if (strip && t.op === "T") return show(t.args[0], names, strip);
    if (t.op === "var") return Object.prototype.hasOwnProperty.call(names, t.value) ? names[t.value] : "_";
    if (t.op === "num") return t.value.d === 1n ? t.value.n.toString() : t.value.n + "/" + t.value.d;
    if (t.op === "tr" && t.args[0].op === "@") {
      var fs = t.args[0].args;
      var forward = fs.map(function (f) { return show(f, names, strip); });
      var backward = fs.slice().reverse().map(function (f) { return show(transpose(f), names, strip); });
      var out = [];
      [forward, backward].forEach(function (s) {
        for (var i = 0; i < s.length; i++) out.push("tr(@(" + s.slice(i).concat(s.slice(0, i)).join(",") + "))");
      });
      return least(out);
    }
    if (t.op === "tr" || TRANSPOSE_FREE.indexOf(t.op) >= 0) {
      return least([t.args[0], transpose(t.args[0])].map(function (x) { return t.op + "(" + show(x, names, strip) + ")"; }));
    }
    var parts = t.args.map(function (a) { return show(a, names, strip); });
    if (t.op === "+" || t.op === "*") parts.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    return t.op + "(" + parts.join(",") + ")";
  }
  function walk(t, out) {
    out.push(t);
    t.args.forEach(function (a) { walk(a, out); });
    return out;
  }
  function variables(t) {
    var seen = [];
    walk(t, []).forEach(function (n) { if (n.op === "var" && seen.indexOf(n.value) < 0) seen.push(n.value); });
    return seen;
  }
  function permutations(k) {
    if (k === 0) return [[]];
    var out = [];
    permutations(k - 1).forEach(function (p) {
      for (var i = 0; i <= p.length; i++) out.push(p.slice(0, i).concat([k - 1], p.slice(i)));
    });
    return out;
  }
  function canonical(t) {
    var names = variables(t);
    if (names.length > MAX_PERMUTED) return greedy(t, names);
    var best = null;
    permutations(names.length).forEach(function (perm) {
      var mapping = {};
      names.forEach(function (n, i) { mapping[n] = "x" + (perm[i] + 1); });
      var text = show(t, mapping);
      if (best === null || text < best) best = text;
    });
    return best;
  }
  function greedy(t, names) {
    var mapping = {}, left = names.slice(), count = 0;
    while (left.length) {
      var label = "x" + (++count), pick = null, pickText = null;
      left.forEach(function (n) {
        var trial = Object.assign({}, mapping);
        trial[n] = label;
        var text = show(t, trial);
        if (pickText === null || text < pickText) { pick = n; pickText = text; }
      });
      mapping[pick] = label;
      left.splice(left.indexOf(pick), 1);
    }
    return show(t, mapping);
  }
  function subtermKeys(t) {
    var keys = [];
    walk(t, []).forEach(function (s) {
      if (s.op === "var" || s.op === "num") return;
      keys.push("f:" + show(s, {}), "h:" + s.op + "/" + s.args.length);
      if (s.op !== "T") keys.push("s:" + show(s, {}, true));
    });
    return keys.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
  }
  function normalise(text, functions) {
    var tree = rewrite(parsePattern(text, functions));
    return { text: canonical(tree), keys: subtermKeys(tree) };
  }
  function similarity(a, b) {
    if (!a.length || !b.length) return 0;
    var i = 0, j = 0, common = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { common++; i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return (2 * common) / (a.length + b.length);
  }

  // -- the search: exact matches, then near matches (as identity-book find) ---------------------
  var NEAR_THRESHOLD = 0.5, NEAR_LIMIT = 10;
  function search(query, index) {
    var exact = [], seen = {}, near = {};
    index.sides.forEach(function (s) {
      if (s.normal === query.text && !seen[s.id]) { seen[s.id] = true; exact.push({ side: s, score: 1, exact: true }); }
    });
    index.sides.forEach(function (s) {
      if (seen[s.id]) return;
      var score = similarity(query.keys, s.keys);
      if (score >= NEAR_THRESHOLD && (!near[s.id] || score > near[s.id].score)) near[s.id] = { side: s, score: score, exact: false };
    });
    var ranked = Object.keys(near).map(function (k) { return near[k]; }).sort(function (a, b) {
      return b.score - a.score || (a.side.id < b.side.id ? -1 : a.side.id > b.side.id ? 1 : 0);
    });
    return exact.concat(ranked.slice(0, NEAR_LIMIT));
  }

  var api = { normalise: normalise, search: search, similarity: similarity, SearchError: SearchError };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  root.IdentityBookSearch = api;

  // -- the page ---------------------------------------------------------------------------------
  function render(box) {
    var index = root.IDENTITY_BOOK_FORMULAS, input = box.querySelector("input"), list = box.querySelector("ol");
    var status = box.querySelector(".formula-search-status"), prefix = box.getAttribute("data-root") || "";
    function run() {
      list.innerHTML = "";
      var text = input.value;
      if (!text.trim()) { status.textContent = ""; return; }
      var query;
      try {
        query = normalise(text, index.functions);
      } catch (e) {
        if (!(e instanceof SearchError)) throw e;
        status.textContent = "column " + (e.column + 1) + ": " + e.message;
        return;
      }
      var found = search(query, index);
      var exact = found.filter(function (m) { return m.exact; }).length;
      status.textContent = found.length ? exact + " exact, " + (found.length - exact) + " near match(es)" : "no entry matches";
      found.forEach(function (m) {
        var li = document.createElement("li"), a = document.createElement("a");
        li.className = m.exact ? "formula-exact" : "formula-near";
        li.setAttribute("data-id", m.side.id);
        a.href = prefix + m.side.url;
        a.textContent = m.side.id;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + m.side.title + " [" + m.side.side + "]" +
          (m.exact ? " exact" : " near, score " + m.score.toFixed(2))));
        var code = document.createElement("code");
        code.textContent = m.side.statement;
        li.appendChild(document.createElement("br"));
        li.appendChild(code);
        list.appendChild(li);
      });
    }
    input.addEventListener("input", run);
    box.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); run(); });
    if (location.hash.length > 3 && location.hash.slice(0, 3) === "#q=") {
      input.value = decodeURIComponent(location.hash.slice(3));
      run();
    }
  }
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      var box = document.getElementById("formula-search");
      if (box && root.IDENTITY_BOOK_FORMULAS) render(box);
    });
  }
})(typeof window !== "undefined" ? window : globalThis);
