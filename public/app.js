// D2C OPs browser glue: local times, toasts, refresh. No inline scripts (CSP), no build step.
(function () {
  'use strict';

  var dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

  function duration(ms) {
    var m = Math.max(0, Math.floor(ms / 60000));
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), r = m % 60;
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + r + 'm';
    return r + 'm';
  }

  function ago(ms) {
    if (ms < 60000) return 'just now';
    return duration(ms).split(' ')[0] + ' ago';
  }

  // Times arrive in the process's zone; show them in the viewer's own zone, and keep them fresh.
  function localise(root) {
    var now = Date.now();
    root.querySelectorAll('time[data-local]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (isNaN(t)) return;
      if (el.dataset.local === 'relative') {
        el.textContent = ago(now - t);
        el.title = dateFmt.format(new Date(t));
      } else {
        el.textContent = dateFmt.format(new Date(t));
      }
    });
    // A tooltip with a time ("Opened …"), in the viewer's zone like the times on the page.
    root.querySelectorAll('[data-title-at]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('data-title-at'));
      if (!isNaN(t)) el.title = (el.getAttribute('data-title-label') || '') + ' ' + dateFmt.format(new Date(t));
    });
    root.querySelectorAll('[data-duration-since]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('data-duration-since'));
      if (!isNaN(t)) el.textContent = duration(now - t);
    });
  }

  function toast(message, kind) {
    var box = document.getElementById('toasts');
    if (!box) return;
    var el = document.createElement('div');
    el.setAttribute('role', 'status');
    el.className = 'pointer-events-auto rounded-lg px-4 py-3 text-sm font-medium text-white shadow-lg ' +
      (kind === 'error' ? 'bg-danger' : 'bg-teal');
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 4500);
  }
  window.d2cToast = toast;

  document.addEventListener('DOMContentLoaded', function () {
    localise(document);
    setInterval(function () { localise(document); }, 30000);
    document.querySelectorAll('[data-refresh]').forEach(function (btn) {
      btn.addEventListener('click', function () {
        document.body.dispatchEvent(new CustomEvent('d2c:refresh'));
        toast('Refreshed');
      });
    });
    var flash = document.querySelector('[data-flash]');
    if (flash) toast(flash.getAttribute('data-flash'), flash.getAttribute('data-flash-kind'));
  });

  // What opened the modal that is loading, to give focus back when it closes.
  var modalOpener = null;

  // A modal showing one record (a link to /incidents/42, /tickets/7, ...) takes that record's address,
  // as a page of its own would: it can be copied and shared, Back closes the modal and Forward opens it
  // again. The page under the modal stays as it is (it refreshes itself after changes); htmx's history
  // snapshots are not used for these entries.
  var RECORD_PATH = /^\/[a-z-]+\/\d+$/;
  var modalPending = null; // the address of the record modal being loaded
  var modalPushed = false; // the open modal has its own history entry
  var skipPop = false; // the popstate of our own history.back() after the modal closed
  function recordHref(elt) {
    if (!elt || elt.tagName !== 'A' || elt.getAttribute('href') !== elt.getAttribute('hx-get')) return null;
    return RECORD_PATH.test(elt.getAttribute('href')) ? elt.href : null;
  }
  document.addEventListener('htmx:afterSwap', function (e) {
    if (!e.detail.target || e.detail.target.id !== 'modal') return;
    if (!modalPending) {
      // A create form answered with the new record's dialog: the dialog takes the record's address too.
      var record = document.querySelector('#modal [data-record-path]');
      if (!record || !RECORD_PATH.test(record.getAttribute('data-record-path'))) return;
      modalPending = new URL(record.getAttribute('data-record-path'), location.href).href;
    }
    if (document.querySelector('[data-modal]') && location.href !== modalPending) {
      // One record modal opened from another takes its place in history, so one Back still closes it.
      if (modalPushed) history.replaceState({ d2cModal: true }, '', modalPending);
      else history.pushState({ d2cModal: true }, '', modalPending);
      modalPushed = true;
    } else if (location.href === modalPending) {
      modalPushed = true;
    }
    modalPending = null;
  });
  // A list refreshing itself after a change (its filter form is triggered by "…:changed" events too)
  // must not add a Back step for the address already shown, nor move the address off an open record.
  document.addEventListener('htmx:beforeHistoryUpdate', function (e) {
    var update = e.detail.history;
    if (!update) return;
    if (modalPushed && document.querySelector('[data-modal]')) {
      update.type = 'replace';
      update.path = location.pathname + location.search;
    } else if (update.path === location.pathname + location.search) {
      update.type = 'replace';
    }
  });
  document.addEventListener('htmx:replacedInHistory', function () {
    if (modalPushed) history.replaceState({ d2cModal: true }, '', location.href);
  });
  function modalClosed() {
    if (!modalPushed || document.querySelector('[data-modal]')) return;
    modalPushed = false;
    if (history.state && history.state.d2cModal) {
      skipPop = true;
      history.back();
    }
  }
  document.addEventListener('DOMContentLoaded', function () {
    var htmxPopstate = window.onpopstate;
    window.onpopstate = function (e) {
      if (skipPop) { skipPop = false; return; }
      var open = document.querySelector('[data-modal]');
      if (modalPushed && open) {
        modalPushed = false;
        open.remove();
        return;
      }
      if (e.state && e.state.d2cModal && document.getElementById('modal') && window.htmx) {
        modalPending = location.href;
        window.htmx.ajax('GET', location.pathname + location.search, { target: '#modal', swap: 'innerHTML' });
        return;
      }
      if (htmxPopstate) htmxPopstate.call(window, e);
    };
  });

  // An export button downloads a file that can take seconds to build (a PDF of thousands of rows): it
  // says "Preparing…" until the file starts to arrive, which the server marks with a cookie carrying
  // the token the form sent (the submit event comes before the form's values are read).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var button = e.submitter;
    if (!form.hasAttribute || !form.hasAttribute('data-export') || !button || !button.hasAttribute('formaction')) return;
    var token = (Math.random().toString(36).slice(2) + Date.now().toString(36)).replace(/[^a-z0-9]/g, '').slice(0, 32);
    var input = form.querySelector('input[name=download_token]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'download_token';
      form.appendChild(input);
    }
    input.value = token;
    var label = button.innerHTML;
    button.setAttribute('aria-busy', 'true');
    button.setAttribute('data-preparing', '');
    button.textContent = 'Preparing\u2026';
    // Disabled once the submission has its values: a second click cannot start a second export.
    setTimeout(function () { button.disabled = true; }, 0);
    var started = Date.now();
    var timer = setInterval(function () {
      var arrived = document.cookie.split('; ').indexOf('d2c_download=' + token) >= 0;
      if (!arrived && Date.now() - started < 120000) return;
      clearInterval(timer);
      document.cookie = 'd2c_download=; Max-Age=0; Path=/';
      button.innerHTML = label;
      button.removeAttribute('aria-busy');
      button.removeAttribute('data-preparing');
      button.disabled = false;
    }, 250);
  });

  // A request marks the element that sent it with htmx-request, so its own indicator ("…" in a button,
  // "Loading…" beside filters) shows as well as the page bar (the body's hx-indicator, which htmx
  // would otherwise light alone). While a change is being sent, the buttons of its form are disabled
  // and the form is aria-busy: a second click or Enter cannot send it twice.
  document.addEventListener('htmx:beforeRequest', function (e) {
    var elt = e.detail.elt;
    if (e.detail.target && e.detail.target.id === 'modal') {
      modalOpener = elt;
      var href = recordHref(elt);
      if (href) modalPending = href;
    }
    elt.classList.add('htmx-request');
    var verb = (e.detail.requestConfig && e.detail.requestConfig.verb) || 'get';
    if (verb === 'get') return;
    elt.setAttribute('aria-busy', 'true');
    var buttons = elt.matches('button, input[type=submit]') ? [elt] : Array.prototype.slice.call(elt.querySelectorAll('button, input[type=submit]'));
    buttons.forEach(function (b) {
      if (b.disabled) return;
      b.disabled = true;
      b.setAttribute('data-busy', '');
    });
  });
  document.addEventListener('htmx:afterRequest', function (e) {
    var elt = e.detail.elt;
    elt.classList.remove('htmx-request');
    elt.removeAttribute('aria-busy');
    var buttons = elt.matches('[data-busy]') ? [elt] : Array.prototype.slice.call(elt.querySelectorAll('[data-busy]'));
    buttons.forEach(function (b) {
      b.disabled = false;
      b.removeAttribute('data-busy');
    });
  });

  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0 && !el.closest('[aria-hidden="true"]');
    });
  }

  /** What the forms in root that change data (post) hold, to tell whether anything was typed. */
  function formState(root) {
    return Array.prototype.map.call(root.querySelectorAll('form[hx-post], form[method=post]'), function (form) {
      return new URLSearchParams(new FormData(form)).toString();
    }).join('&');
  }

  // Modals (views/components/Modal.tsx).
  document.addEventListener('alpine:init', function () {
    window.Alpine.data('d2cModal', function () {
      return {
        opener: null,
        saved: null,
        init: function () {
          // The forms as they stand once opened (fields filled in by the page included), and again
          // after each answer of the server swapped into the modal.
          var self = this, root = this.$el;
          setTimeout(function () { self.saved = formState(root); }, 0);
          // At the swap, when the server's answer (a field's message, say) is first on screen, so that an
          // Escape right after it is not taken for a change; again once settled (Alpine may fill fields).
          var resave = function () { self.saved = formState(root); };
          root.addEventListener('htmx:afterSwap', resave);
          root.addEventListener('htmx:afterSettle', resave);
          var active = document.activeElement;
          this.opener = modalOpener && modalOpener.isConnected ? modalOpener : (active && active !== document.body ? active : null);
          modalOpener = null;
          var dialog = this.$el.querySelector('[role=dialog]');
          this.$nextTick(function () {
            // A form: its autofocus or first field. Anything else (a record with action buttons): the
            // dialog itself, so Enter does not press a button nobody chose; Tab goes on from there.
            var first = dialog.querySelector('[autofocus]') || focusables(dialog).filter(function (el) { return !el.hasAttribute('data-close'); })[0];
            if (first && /^(INPUT|SELECT|TEXTAREA)$/.test(first.tagName)) first.focus();
            else dialog.focus();
          });
        },
        // Escape and a click beside the dialog are easy to do by accident: they ask before throwing away
        // what was typed into a form that saves. The close button closes at once.
        close: function (ask) {
          var changed = this.saved !== null && formState(this.$root) !== this.saved;
          if (ask && changed && !window.confirm('Discard your changes?')) return;
          this.$root.remove();
        },
        trap: function (event) {
          var items = focusables(this.$root.querySelector('[role=dialog]'));
          if (items.length === 0) return;
          var first = items[0], last = items[items.length - 1];
          var inside = this.$root.contains(document.activeElement);
          if (!inside || (event.shiftKey && document.activeElement === first) || (!event.shiftKey && document.activeElement === last)) {
            event.preventDefault();
            (event.shiftKey ? last : first).focus();
          }
        },
        destroy: function () {
          var opener = this.opener;
          if (opener && opener.isConnected && !document.querySelector('[data-modal]')) opener.focus();
          // Replaced by another dialog (a form answered with the record) is not closed: look after the swap.
          setTimeout(modalClosed, 0);
        },
      };
    });
  });

  document.addEventListener('htmx:afterSwap', function (e) { localise(e.target); });
  document.addEventListener('toast', function (e) {
    var d = e.detail || {};
    toast(d.message || String(d.value || ''), d.kind);
  });
  // Errors the server explained arrive with an HX-Trigger toast; only unexplained ones get this one.
  document.addEventListener('htmx:responseError', function (e) {
    var xhr = e.detail && e.detail.xhr;
    if (xhr && xhr.getResponseHeader('HX-Trigger')) return;
    toast('The request failed. Please try again.', 'error');
  });
  document.addEventListener('htmx:sendError', function () { toast('Cannot reach the server. Check your connection.', 'error'); });
})();
