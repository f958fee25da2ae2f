// Musicians: the directory (search by instrument, level, genre, text, and distance from
// you) and your own musician profile (instruments with levels, genres, bio, links, what
// you are seeking, availability, and your area, by name or from the browser's location).
import {api} from '../api.js';
import {app} from '../app.js';
import {avatar, checkField, clearErrors, field, h, labelRow, rowList, selectField, setFieldError} from '../dom.js';
import {locationButton, nearWords, searchCentre} from '../geo.js';
import {loadVocabularies} from '../vocab.js';
import {report} from './moderation.js';

export const LEVELS = [['beginner', 'Beginner'], ['intermediate', 'Intermediate'], ['advanced', 'Advanced'], ['pro', 'Pro']];
const LEVEL_NAMES = new Map(LEVELS);
const MAX_INSTRUMENTS = 10, MAX_GENRES = 10, MAX_LINKS = 5;
const PAGE = 20;

/** Two decimals (about 1 km): what the server stores, so a home is never pinpointed. */
const round2 = (value) => Math.round(value * 100) / 100;

/** Shows a page that explains the directory is off (the plugin is disabled: 404). */
function unavailable(page, title, error) {
  const text = error.status === 404 ? 'The musicians directory is not enabled on this server.' : error.message;
  page.append(h('h1', {}, title), h('p', {class: 'form-error', role: 'alert'}, text));
}

function musicianCard(musician, vocab, {linked = true} = {}) {
  const user = musician.user;
  const name = `${user.firstName} ${user.lastName}`.trim() || user.userName;
  const where = [musician.area?.name, musician.distanceKm !== undefined && `${musician.distanceKm.toFixed(1)} km away`]
      .filter(Boolean).join(' · ');
  return h('li', {class: 'card musician'},
      h('div', {class: 'musician-head'}, avatar(user),
          h('div', {},
              h('h2', {}, linked ? h('a', {href: `#/musicians/${user.id}`}, name) : name),
              h('p', {class: 'muted'}, `@${user.userName}`, where && ` · ${where}`)),
          h('span', {class: 'spacer'}),
          musician.available && h('span', {class: 'badge'}, 'Available')),
      musician.instruments.length > 0 && h('ul', {class: 'skills', 'aria-label': 'Instruments'},
          musician.instruments.map((i) => h('li', {},
              h('strong', {}, vocab.instrument.get(i.slug) ?? i.slug), ` · ${LEVEL_NAMES.get(i.level) ?? i.level}`))),
      musician.genres.length > 0 && h('ul', {class: 'chips', 'aria-label': 'Genres'},
          musician.genres.map((g) => h('li', {class: 'chip'}, vocab.genre.get(g) ?? g))),
      musician.seeking && h('p', {}, h('strong', {}, 'Seeking: '), musician.seeking),
      musician.bio && h('p', {class: 'bio'}, musician.bio),
      musician.links.length > 0 && h('ul', {class: 'links', 'aria-label': 'Links'},
          musician.links.map((link) => h('li', {}, h('a', {href: link, rel: 'noopener noreferrer nofollow'}, link)))),
      user.id !== app.me?.id && reportLine(user));
}

/** "Report profile", and where the outcome shows. */
function reportLine(user) {
  const status = h('span', {class: 'muted', role: 'status'});
  return h('p', {class: 'report-line'},
      h('button', {type: 'button', class: 'link', 'aria-label': `Report @${user.userName}'s profile`,
        onclick: (click) => report('user', user.id, status, click.currentTarget)}, 'Report profile'), ' ', status);
}

export async function musiciansView(page) {
  let vocab;
  try {
    vocab = await loadVocabularies();
  } catch (error) {
    return unavailable(page, 'Musicians', error);
  }
  const list = h('ul', {class: 'musicians', 'aria-live': 'polite'});
  const listError = h('p', {class: 'form-error', role: 'alert'});
  const nearStatus = h('p', {class: 'hint', role: 'status'});
  const more = h('button', {type: 'button', hidden: true}, 'Show more');
  const levelSelect = selectField({label: 'Level (at least)', name: 'level',
    options: [['', 'Any level'], ...LEVELS], disabled: true});
  const search = h('form', {class: 'search musician-search', role: 'search'},
      selectField({label: 'Instrument', name: 'instrument',
        options: [['', 'Any instrument'], ...vocab.instruments.map((i) => [i.slug, i.name])]}),
      levelSelect,
      selectField({label: 'Genre', name: 'genre', options: [['', 'Any genre'], ...vocab.genres.map((g) => [g.slug, g.name])]}),
      field({label: 'Search', name: 'q', type: 'search', placeholder: 'names, bio, seeking…', maxlength: 255}),
      h('fieldset', {class: 'near'}, h('legend', {}, 'Distance'),
          checkField({label: 'Near me', name: 'near'}),
          field({label: 'Radius (km)', name: 'radiusKm', type: 'number', min: 1, max: 500, step: 1, value: '25',
                 inputmode: 'numeric'}),
          nearStatus),
      checkField({label: 'Available only', name: 'available'}),
      h('button', {class: 'primary', type: 'submit'}, 'Find musicians'));
  const instrumentSelect = search.elements.namedItem('instrument');
  instrumentSelect.addEventListener('change', () => {
    levelSelect.querySelector('select').disabled = !instrumentSelect.value;
  });

  // `searches` counts the searches begun: a page that answers after a newer search began
  // (a double click, a second search) is dropped rather than added to the newer list.
  let query = null, offset = 0, here = null, searches = 0;
  const fetchPage = async () => {
    const mine = searches;
    const params = new URLSearchParams(query);
    params.set('limit', String(PAGE));
    params.set('offset', String(offset));
    const musicians = await api('GET', `/v1/musicians?${params}`);
    if (mine !== searches) return null;
    list.append(...musicians.map((m) => musicianCard(m, vocab)));
    offset += musicians.length;
    more.hidden = musicians.length < PAGE;
    return musicians.length;
  };
  const load = async () => {
    const mine = ++searches;  // a search begun after this one (while the browser is asked where it is) wins
    const values = Object.fromEntries(new FormData(search));
    listError.textContent = '';
    const next = new URLSearchParams();
    if (values.instrument) next.set('instrument', values.instrument);
    if (values.instrument && values.level) next.set('level', values.level);
    if (values.genre) next.set('genre', values.genre);
    if (values.q?.trim()) next.set('q', values.q.trim());
    if (values.available) next.set('available', 'true');
    if (values.near) {
      const radius = Number(values.radiusKm || 25);
      if (!(radius >= 1 && radius <= 500)) {
        setFieldError(search, 'radiusKm', 'Choose a radius from 1 to 500 km.');
        return;
      }
      setFieldError(search, 'radiusKm', '');
      here ??= await searchCentre(nearStatus);
      if (mine !== searches) return;
      if (!here) {  // the status says why; the last search's musicians do not answer this one
        list.replaceChildren();
        more.hidden = true;
        return;
      }
      nearStatus.textContent = nearWords(here);
      next.set('near', `${here.lat},${here.lon}`);
      next.set('radiusKm', String(radius));
    } else {
      nearStatus.textContent = '';
    }
    query = next;
    offset = 0;
    list.replaceChildren();
    try {
      if ((await fetchPage()) === 0)
        list.append(h('li', {class: 'empty'}, 'No musicians match. Try fewer filters or a wider radius.'));
    } catch (error) {
      listError.textContent = error.message;
    }
  };
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  more.addEventListener('click', async () => {
    const before = list.children.length, focused = document.activeElement === more;
    more.disabled = true;  // one page at a time: a double click would ask for the same one twice
    try {
      await fetchPage();
    } catch (error) {
      listError.textContent = error.message;
    } finally {
      more.disabled = false;
    }
    // Disabled (and hidden after the last page), the button dropped the keyboard's focus to
    // the page: it goes on at the first musician just shown, else back on the button.
    if (focused && [document.body, more].includes(document.activeElement))
      (list.children[before]?.querySelector('h2 a') ?? (more.hidden ? null : more))?.focus();
  });
  page.append(h('h1', {}, 'Musicians'),
      h('p', {class: 'lead'}, 'Find people to play with. ', h('a', {href: '#/my-music'}, 'Edit your own musician profile'), '.'),
      search, listError, list, more);
  await load();
}

/** One musician (the line-ups link their people here). */
export async function musicianView(page, id) {
  let vocab, musician;
  try {
    vocab = await loadVocabularies();
  } catch (error) {
    return unavailable(page, 'Musician', error);
  }
  try {
    musician = await api('GET', `/v1/musicians/${id}`);
  } catch (error) {
    page.append(h('h1', {}, 'Musician'), h('p', {class: 'form-error', role: 'alert'}, error.message));
    return;
  }
  page.append(h('h1', {}, `@${musician.user.userName}`), h('ul', {class: 'musicians'}, musicianCard(musician, vocab, {linked: false})),
      h('p', {}, h('a', {href: '#/musicians'}, 'Find more musicians')));
}

export async function myMusicView(page) {
  let vocab, me;
  try {
    [vocab, me] = await Promise.all([loadVocabularies(), api('GET', '/v1/musicians/me')]);
  } catch (error) {
    return unavailable(page, 'Your musician profile', error);
  }
  const saved = h('p', {class: 'saved', role: 'status'});
  const formError = h('p', {class: 'form-error', role: 'alert', tabindex: '-1'});

  // Instruments: one row per instrument, each with its level.
  const instrumentRows = rowList({
    addText: '+ Add an instrument', max: MAX_INSTRUMENTS,
    make: (skill = {slug: vocab.instruments[0].slug, level: 'intermediate'}) => [
      selectField({label: 'Instrument', name: 'instrumentSlug', id: 'instrument-new', value: skill.slug,
        options: vocab.instruments.map((i) => [i.slug, i.name])}),
      selectField({label: 'Level', name: 'instrumentLevel', id: 'level-new', value: skill.level, options: LEVELS})],
    label: (row, n) => labelRow(row, [[`instrument-${n}`, `Instrument ${n}`], [`level-${n}`, `Level for instrument ${n}`]]),
    removeName: (n) => `Remove instrument ${n}`,
  });
  me.instruments.forEach((skill) => instrumentRows.append(skill));

  // Genres: chips that are checkboxes, at most ten.
  const chips = h('div', {class: 'chips genre-chips'},
      vocab.genres.map((g) => {
        const box = h('input', {type: 'checkbox', name: 'genre', value: g.slug, id: `genre-${g.slug}`});
        box.checked = me.genres.includes(g.slug);
        return h('span', {class: 'chip-toggle'}, box, h('label', {for: box.id}, g.name));
      }));
  const genreCount = h('p', {class: 'hint', 'aria-live': 'polite'});
  const limitGenres = () => {
    const boxes = [...chips.querySelectorAll('input')];
    const checked = boxes.filter((b) => b.checked).length;
    for (const box of boxes) box.disabled = !box.checked && checked >= MAX_GENRES;
    genreCount.textContent = `${checked} of ${MAX_GENRES} chosen.`;
  };
  chips.addEventListener('change', limitGenres);
  limitGenres();

  const links = h('div', {class: 'links-fields'},
      Array.from({length: MAX_LINKS}, (_, i) => field({label: `Link ${i + 1}`, name: `link${i}`, type: 'url',
        value: me.links[i] ?? '', maxlength: 500, placeholder: 'https://…', autocomplete: 'url'})));

  const area = me.area ?? {name: '', lat: '', lon: ''};
  const locationStatus = h('p', {class: 'hint', role: 'status'});
  const useLocation = locationButton(locationStatus, 2, (here) => {
    form.elements.namedItem('lat').value = String(here.lat);
    form.elements.namedItem('lon').value = String(here.lon);
    return `Location set to ${here.lat}, ${here.lon} (rounded). Save to keep it.`;
  });
  const areaFields = h('fieldset', {class: 'area'}, h('legend', {}, 'Your area'),
      h('p', {class: 'hint'}, 'Others see how far away you are, never more precisely than about 1 km.'),
      field({label: 'Area name', name: 'areaName', value: area.name, maxlength: 100, placeholder: 'Ballard, Seattle'}),
      h('div', {class: 'row'},
          field({label: 'Latitude', name: 'lat', type: 'number', value: String(area.lat), min: -90, max: 90, step: 0.01}),
          field({label: 'Longitude', name: 'lon', type: 'number', value: String(area.lon), min: -180, max: 180, step: 0.01})),
      h('p', {class: 'area-actions'}, useLocation, ' ',
          h('button', {type: 'button', class: 'link', onclick: () => {
            for (const name of ['areaName', 'lat', 'lon']) form.elements.namedItem(name).value = '';
            locationStatus.textContent = 'Area cleared. Save to keep it that way.';
          }}, 'Clear area')),
      locationStatus);

  const form = h('form', {class: 'card', novalidate: true},
      h('fieldset', {}, h('legend', {}, 'Instruments'), h('p', {class: 'hint'}, `Up to ${MAX_INSTRUMENTS}, each with your level.`),
          instrumentRows.list, instrumentRows.add),
      h('fieldset', {}, h('legend', {}, 'Genres'), genreCount, chips),
      field({label: 'Bio', name: 'bio', type: 'textarea', value: me.bio, maxlength: 2000, rows: 4,
             placeholder: 'What you play, who with, what you love.'}),
      field({label: 'Seeking', name: 'seeking', value: me.seeking, maxlength: 280, placeholder: 'a drummer for a folk trio'}),
      h('fieldset', {}, h('legend', {}, 'Links'), h('p', {class: 'hint'}, 'Recordings, videos, your site: https:// addresses.'), links),
      checkField({label: 'Available to play', name: 'available', checked: me.available, role: 'switch'}),
      areaFields,
      formError,
      h('button', {class: 'primary', type: 'submit'}, 'Save musician profile'), saved);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const values = Object.fromEntries(new FormData(form));
    const instruments = instrumentRows.rows().map((row) => {
      const [slug, level] = row.querySelectorAll('select');
      return {slug: slug.value, level: level.value};
    });
    const seen = new Set();
    const twice = instruments.find((i) => seen.has(i.slug) || !seen.add(i.slug));
    if (twice) {
      formError.textContent = `${vocab.instrument.get(twice.slug)} is listed twice.`;
      return formError.focus();
    }
    const linkValues = Array.from({length: MAX_LINKS}, (_, i) => values[`link${i}`].trim());
    let ok = true;
    linkValues.forEach((link, i) => {
      if (link && !/^https:\/\/[^\s/?#]+\S*$/i.test(link)) ok = !setFieldError(form, `link${i}`, 'Use a full https:// address.');
    });
    let areaBody = null;
    if (values.lat !== '' || values.lon !== '') {
      const lat = Number(values.lat), lon = Number(values.lon);
      if (values.lat === '' || !(lat >= -90 && lat <= 90)) ok = !setFieldError(form, 'lat', 'Latitude is from -90 to 90.') && ok;
      if (values.lon === '' || !(lon >= -180 && lon <= 180)) ok = !setFieldError(form, 'lon', 'Longitude is from -180 to 180.') && ok;
      areaBody = {name: values.areaName.trim(), lat: round2(lat), lon: round2(lon)};
    } else if (values.areaName.trim()) {
      ok = !setFieldError(form, 'lat', 'Give coordinates for your area, or use your location.') && ok;
    }
    if (!ok) return form.querySelector('[aria-invalid="true"]')?.focus();
    const body = {
      instruments,
      genres: [...chips.querySelectorAll('input:checked')].map((box) => box.value),
      bio: values.bio, seeking: values.seeking,
      links: linkValues.filter(Boolean),
      available: Boolean(values.available),
      area: areaBody,
    };
    try {
      const result = await api('PUT', '/v1/musicians/me', body);
      if (result.area) {
        form.elements.namedItem('lat').value = String(result.area.lat);
        form.elements.namedItem('lon').value = String(result.area.lon);
      }
      saved.textContent = 'Saved.';
    } catch (error) {
      // The server names a field ("Bio …", "Links[1] …": the second link sent, under its own box).
      const link = /^links\[(\d+)\]/i.exec(error.message);
      const sent = linkValues.flatMap((value, i) => (value ? [i] : []));
      const name = link ? `link${sent[Number(link[1])]}` : ['bio', 'seeking'].find((n) => error.message.toLowerCase().startsWith(n));
      const message = link ? `This link ${error.message.slice(link[0].length).trim()}` : error.message;
      if (!(name && setFieldError(form, name, message))) {
        formError.textContent = error.message;
        formError.focus();
      }
    }
  });

  page.append(h('h1', {}, 'Your musician profile'),
      h('p', {class: 'lead'}, `What other musicians see about you, ${app.me?.userName ?? ''}. `,
          h('a', {href: '#/musicians'}, 'Find musicians')),
      form);
}
