// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// The recording page's waveform (drawn by the server): a click seeks the
// player to that point, and a line follows playback.
const player = document.getElementById('player')
const wave = document.querySelector('.app-waveform__svg')
if (player && wave) {
  const head = wave.querySelector('.app-waveform__head')
  const width = wave.viewBox.baseVal.width
  const seconds = () => player.duration || Number(wave.dataset.seconds) || 0
  wave.addEventListener('click', (e) => {
    const box = wave.getBoundingClientRect()
    player.currentTime = (e.clientX - box.left) / box.width * seconds()
    player.play()
  })
  player.addEventListener('timeupdate', () => {
    const x = seconds() ? player.currentTime / seconds() * width : 0
    head.setAttribute('x1', x)
    head.setAttribute('x2', x)
  })
  // Links to a moment of the call (comments) seek instead of navigating.
  document.querySelectorAll('[data-seek]').forEach((a) => a.addEventListener('click', (e) => {
    e.preventDefault()
    player.currentTime = Number(a.dataset.seek)
    player.play()
  }))
}
