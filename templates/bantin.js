/* mod_bantin: change the font size in place, without a reload.
 * The server already put the reader's size into the page (the body class),
 * and the toolbar's form works without this script; here we only save the
 * round trip, setting the same cookie the server would set. */
(function () {
  'use strict';
  var form = document.querySelector('form.bantin-fontsize');
  if (!form) {
    return;
  }
  var steps = parseInt(form.getAttribute('data-steps'), 10);
  var step = parseInt(form.getAttribute('data-step'), 10);
  var cookie = form.getAttribute('data-cookie');
  var path = form.getAttribute('data-path') || '/';
  var up = form.querySelector('.bantin-fs-up');
  var down = form.querySelector('.bantin-fs-down');
  var status = form.querySelector('.bantin-fs-status');
  if (!(steps > 0 && step > 0 && /^[A-Za-z0-9_-]+$/.test(cookie))) {
    return;
  }

  function show(next) {
    var body = document.body;
    body.classList.remove('bantin-fs-' + step);
    body.classList.add('bantin-fs-' + next);
    step = next;
    form.setAttribute('data-step', String(step));
    up.disabled = step >= steps;
    down.disabled = step <= 1;
    if (status) {
      status.textContent = 'Cỡ chữ ' + step + '/' + steps;
    }
    document.cookie = cookie + '=' + step + '; Path=' + path +
      '; Max-Age=31536000; SameSite=Lax' +
      (location.protocol === 'https:' ? '; Secure' : '');
  }

  form.addEventListener('submit', function (ev) {
    var button = ev.submitter;
    if (!button) {
      return; /* old browser: let the form do the round trip */
    }
    ev.preventDefault();
    var next = step + (button.value === 'up' ? 1 : -1);
    if (next >= 1 && next <= steps) {
      show(next);
    }
    /* Keep focus on the control the reader used, even when it just
     * became disabled at an end of the range. */
    (button.disabled ? (button === up ? down : up) : button).focus();
  });
})();
