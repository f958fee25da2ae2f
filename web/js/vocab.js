// The vocabularies (GET /v1/instruments, GET /v1/genres: the musicians plugin), fetched once
// per page load and shared by the views that name instruments and genres.
import {api} from './api.js';

let instruments = null, genres = null;

/** The instruments in the server's order; rejects (404) when the musicians plugin is off. */
export function loadInstruments() {
  instruments ??= api('GET', '/v1/instruments').catch((error) => {
    instruments = null;  // asked again next time
    throw error;
  });
  return instruments;
}

/** The instruments and genres, with slug → name maps. */
export async function loadVocabularies() {
  genres ??= api('GET', '/v1/genres').catch((error) => {
    genres = null;
    throw error;
  });
  const [instrumentList, genreList] = await Promise.all([loadInstruments(), genres]);
  return {
    instruments: instrumentList, genres: genreList,
    instrument: new Map(instrumentList.map((i) => [i.slug, i.name])),
    genre: new Map(genreList.map((g) => [g.slug, g.name])),
  };
}

/** slug → name of every instrument; empty when they cannot be had (names fall back to slugs). */
export async function instrumentNames() {
  try {
    return new Map((await loadInstruments()).map((i) => [i.slug, i.name]));
  } catch {
    return new Map();
  }
}
