// Fairline website chatbot widget.
//
//   <script src="https://fairline.example/static/widget.js" defer></script>
//
// adds a launcher button and a dialog that asks Fairline's chat API on the
// origin this script was loaded from. No framework, no inline styles (the
// stylesheet is linked from the same origin), every class prefixed fl-.
// The conversation id is kept in sessionStorage only: nothing in
// localStorage, no cookies (requests are sent without credentials).
(function () {
  'use strict'

  var script = document.currentScript
  if (!script || !script.src || window.fairlineChat) {
    return
  }
  var origin = new URL(script.src, document.baseURI).origin
  window.fairlineChat = {}
  var STORE_KEY = 'fairline-chat-conversation'
  var MAX_LENGTH = 1000
  var uid = 0

  function el (tag, className, text) {
    var e = document.createElement(tag)
    if (className) {
      e.className = className
    }
    if (text) {
      e.textContent = text
    }
    return e
  }

  // Links come from the council's own website and the policy; only plain
  // web, e-mail and telephone links are followed.
  function safeHref (raw) {
    try {
      var u = new URL(raw, origin)
      if (['http:', 'https:', 'mailto:', 'tel:'].indexOf(u.protocol) >= 0) {
        return u.href
      }
    } catch (e) {}
    return ''
  }

  function link (href, text) {
    var safe = safeHref(href)
    if (!safe) {
      return el('span', '', text)
    }
    var a = el('a', 'fl-link', text || safe)
    a.href = safe
    return a
  }

  function conversation () {
    try {
      return window.sessionStorage.getItem(STORE_KEY) || ''
    } catch (e) {
      return ''
    }
  }

  function keepConversation (id) {
    try {
      if (id) {
        window.sessionStorage.setItem(STORE_KEY, id)
      }
    } catch (e) {}
  }

  function post (path, body) {
    return window.fetch(origin + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
      referrerPolicy: 'no-referrer'
    }).then(function (resp) {
      return resp.json().catch(function () { return {} }).then(function (data) {
        if (!resp.ok) {
          var msg = (data && data.error && data.error.message) || ''
          var err = new Error(msg)
          err.status = resp.status
          throw err
        }
        return data
      })
    })
  }

  function build () {
    var css = el('link')
    css.rel = 'stylesheet'
    css.href = origin + '/static/widget.css'
    document.head.appendChild(css)

    var root = el('div', 'fl-chat')
    root.setAttribute('data-fairline-chat', '')

    // A browser without <dialog> gets a link to the full page instead.
    if (typeof window.HTMLDialogElement !== 'function') {
      var fallback = link(origin + '/ask', 'Ask a question')
      fallback.className = 'fl-launcher'
      root.appendChild(fallback)
      document.body.appendChild(root)
      return
    }

    var launcher = el('button', 'fl-launcher', 'Ask a question')
    launcher.type = 'button'
    launcher.setAttribute('aria-haspopup', 'dialog')
    launcher.setAttribute('aria-expanded', 'false')

    var dialog = el('dialog', 'fl-dialog')
    dialog.id = 'fl-dialog'
    dialog.setAttribute('aria-labelledby', 'fl-title')
    launcher.setAttribute('aria-controls', dialog.id)

    var header = el('div', 'fl-header')
    var title = el('h2', 'fl-title', 'Ask a question')
    title.id = 'fl-title'
    var close = el('button', 'fl-close')
    close.type = 'button'
    close.setAttribute('aria-label', 'Close the chat')
    close.appendChild(el('span', 'fl-close__icon', '\u00d7'))
    close.lastChild.setAttribute('aria-hidden', 'true')
    header.appendChild(title)
    header.appendChild(close)

    var body = el('div', 'fl-body')
    var intro = el('p', 'fl-intro', 'We will find the most suitable page of the council\u2019s website. We cannot tell you about your own case or decide whether you are eligible for a service.')
    var privacy = el('p', 'fl-privacy', 'Do not include personal details. ')
    privacy.id = 'fl-privacy'
    privacy.appendChild(link(origin + '/privacy/chatbot', 'How we use your information'))

    var log = el('div', 'fl-log')
    log.setAttribute('role', 'log')
    log.setAttribute('aria-live', 'polite')
    log.setAttribute('aria-relevant', 'additions')
    log.setAttribute('aria-label', 'Conversation')
    log.tabIndex = -1

    body.appendChild(intro)
    body.appendChild(privacy)
    body.appendChild(log)

    var form = el('form', 'fl-form')
    form.noValidate = true
    var label = el('label', 'fl-label', 'Your question')
    label.htmlFor = 'fl-question'
    var error = el('p', 'fl-error')
    error.id = 'fl-question-error'
    error.hidden = true
    var row = el('div', 'fl-row')
    var input = el('input', 'fl-input')
    input.id = 'fl-question'
    input.type = 'text'
    input.name = 'message'
    input.autocomplete = 'off'
    input.maxLength = MAX_LENGTH
    input.setAttribute('aria-describedby', 'fl-privacy')
    var send = el('button', 'fl-send', 'Ask')
    send.type = 'submit'
    row.appendChild(input)
    row.appendChild(send)
    form.appendChild(label)
    form.appendChild(error)
    form.appendChild(row)

    dialog.appendChild(header)
    dialog.appendChild(body)
    dialog.appendChild(form)
    root.appendChild(launcher)
    root.appendChild(dialog)
    document.body.appendChild(root)

    function open () {
      if (dialog.open) {
        return
      }
      dialog.showModal()
      launcher.setAttribute('aria-expanded', 'true')
      input.focus()
    }

    function shut () {
      if (dialog.open) {
        dialog.close()
      }
    }

    // Escape fires "cancel" then "close"; every way of closing ends here.
    dialog.addEventListener('close', function () {
      launcher.setAttribute('aria-expanded', 'false')
      launcher.focus()
    })
    launcher.addEventListener('click', open)
    close.addEventListener('click', shut)

    function showError (msg) {
      error.textContent = ''
      if (!msg) {
        error.hidden = true
        input.removeAttribute('aria-invalid')
        input.setAttribute('aria-describedby', 'fl-privacy')
        return
      }
      var hidden = el('span', 'fl-visually-hidden', 'Error: ')
      error.appendChild(hidden)
      error.appendChild(document.createTextNode(msg))
      error.hidden = false
      input.setAttribute('aria-invalid', 'true')
      input.setAttribute('aria-describedby', 'fl-question-error fl-privacy')
    }

    function turnElement (data) {
      var turn = el('div', 'fl-turn fl-turn--bot')
      turn.appendChild(el('p', 'fl-who fl-visually-hidden', 'Answer:'))
      // A handoff explains what the bot cannot do and lists the routes;
      // otherwise the answer is a passage quoted from the website.
      var choices = data.choices || []
      if (data.handoff) {
        turn.appendChild(el('p', 'fl-text', data.handoff.message || data.answer || ''))
      } else if (choices.length > 0) {
        // Not sure which page answers: each choice links to its page and
        // has a button that asks about it at once.
        turn.appendChild(el('p', 'fl-text', data.answer || ''))
        var cl = el('ul', 'fl-list fl-choices')
        choices.forEach(function (c) {
          var li = el('li')
          li.appendChild(link(c.url, c.title))
          var b = el('button', 'fl-choice', 'Answer from this page')
          b.type = 'button'
          b.appendChild(el('span', 'fl-visually-hidden', ': ' + c.title))
          b.addEventListener('click', function () {
            input.value = c.title
            if (form.requestSubmit) {
              form.requestSubmit()
            } else {
              form.dispatchEvent(new window.Event('submit', { cancelable: true }))
            }
          })
          li.appendChild(document.createTextNode(' '))
          li.appendChild(b)
          cl.appendChild(li)
        })
        turn.appendChild(cl)
      } else if (data.answer) {
        turn.appendChild(el('blockquote', 'fl-passage', data.answer))
      }
      var sources = data.sources || []
      if (sources.length > 0) {
        var from = el('p', 'fl-source', 'From: ')
        from.appendChild(link(sources[0].url, sources[0].title))
        turn.appendChild(from)
      }
      var routes = (data.handoff && data.handoff.routes) || []
      if (routes.length > 0) {
        var rl = el('ul', 'fl-list')
        routes.forEach(function (r) {
          var li = el('li')
          li.appendChild(r.url ? link(r.url, r.label) : el('span', '', r.label))
          rl.appendChild(li)
        })
        turn.appendChild(rl)
      }
      var more = sources.slice(1, 3)
      if (more.length > 0) {
        turn.appendChild(el('p', 'fl-subhead', 'You might also find these pages useful:'))
        var ml = el('ul', 'fl-list')
        more.forEach(function (s) {
          var li = el('li')
          li.appendChild(link(s.url, s.title))
          ml.appendChild(li)
        })
        turn.appendChild(ml)
      }
      if (data.turn_id) {
        turn.appendChild(feedbackElement(data.conversation_id, data.turn_id))
      }
      return turn
    }

    function feedbackElement (conv, turnID) {
      var id = 'fl-feedback-' + (++uid)
      var group = el('div', 'fl-feedback')
      group.setAttribute('role', 'group')
      group.setAttribute('aria-labelledby', id)
      var q = el('span', 'fl-feedback__question', 'Was this helpful?')
      q.id = id
      group.appendChild(q)
      ;[['Yes', true], ['No', false]].forEach(function (choice) {
        var b = el('button', 'fl-feedback__button', choice[0])
        b.type = 'button'
        b.addEventListener('click', function () {
          var buttons = group.querySelectorAll('button')
          Array.prototype.forEach.call(buttons, function (x) { x.disabled = true })
          post('/api/v1/chat/feedback', { conversation_id: conv, turn_id: turnID, helpful: choice[1] }).then(function () {
            var thanks = el('p', 'fl-thanks', 'Thank you for your feedback.')
            thanks.tabIndex = -1
            group.parentNode.replaceChild(thanks, group)
            thanks.focus()
          }, function () {
            Array.prototype.forEach.call(buttons, function (x) { x.disabled = false })
            q.textContent = 'Your feedback could not be sent. Was this helpful?'
          })
        })
        group.appendChild(b)
      })
      return group
    }

    var busy = false
    form.addEventListener('submit', function (ev) {
      ev.preventDefault()
      var text = input.value.trim()
      if (busy) {
        return
      }
      if (!text) {
        showError('Enter your question')
        input.focus()
        return
      }
      if (text.length > MAX_LENGTH) {
        showError('Your question must be 1,000 characters or fewer')
        input.focus()
        return
      }
      showError('')
      busy = true
      send.disabled = true
      form.setAttribute('aria-busy', 'true')
      var mine = el('div', 'fl-turn fl-turn--user')
      mine.appendChild(el('p', 'fl-who fl-visually-hidden', 'You asked:'))
      mine.appendChild(el('p', 'fl-text', text))
      log.appendChild(mine)
      var waiting = el('p', 'fl-waiting', 'Finding an answer\u2026')
      log.appendChild(waiting)
      var req = { message: text }
      var conv = conversation()
      if (conv) {
        req.conversation_id = conv
      }
      post('/api/v1/chat', req).then(function (data) {
        keepConversation(data.conversation_id)
        log.replaceChild(turnElement(data), waiting)
        input.value = ''
      }, function (err) {
        var msg = err.status === 429
          ? 'You have asked a lot of questions in a short time. Wait a minute and try again.'
          : (err.message && err.status && err.status < 500 ? err.message : 'Sorry, there is a problem with the chatbot. Try again later.')
        var p = el('p', 'fl-text fl-text--error', msg)
        log.replaceChild(p, waiting)
      }).then(function () {
        busy = false
        send.disabled = false
        form.removeAttribute('aria-busy')
        var last = log.lastElementChild
        if (last && last.scrollIntoView) {
          last.scrollIntoView({ block: 'nearest' })
        }
        input.focus()
      })
    })

    window.fairlineChat.open = open
    window.fairlineChat.close = shut
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', build)
  } else {
    build()
  }
})()
