// Package crypt protects recordings and the personal data kept beside them.
//
// # Streaming encryption (stream.go, decrypt.go)
//
// A recording is encrypted with its own random 256-bit data key (NewDataKey) in a segmented
// AEAD format, so any byte range can be decrypted by reading only the segments that hold it
// (HTTP Range playback from object storage). The format, version 1:
//
//	header  = magic "FLSE" | version 0x01 | segment size (uint32, big endian) | salt (32) | nonce prefix (7)
//	segment = AES-256-GCM(segment key, nonce, plaintext segment)      (plaintext + 16-byte tag)
//	nonce   = nonce prefix (7) | segment index (uint32, big endian) | last flag (0x00 or 0x01)
//	segment key = HKDF-SHA256(data key, salt, "fairline/stream/v1" | header[0:9] | len(AD) | AD)
//
// Every segment but the last holds exactly the segment size of plaintext (64 KiB by default); the
// last holds 0 to segment-size bytes, so the empty plaintext is one empty last segment. What each
// part defends against:
//
//   - a fresh random salt per stream gives every stream its own key, so segments cannot be
//     moved between recordings even when (by mistake) two share a data key;
//   - the segment index in the nonce detects reordering and duplication inside a stream;
//   - the last flag detects truncation at a segment boundary (the new final segment was not
//     sealed as last) and extension;
//   - the associated data (the recording id) is bound into the key, so a ciphertext stored
//     under another recording's id does not open;
//   - the header's format fields are bound into the key, so editing them fails authentication.
//
// The header itself is not secret. Decrypting with NewDecryptReaderAt authenticates the final
// segment when it opens, so the plaintext size it reports is authentic before the first read
// (http.ServeContent trusts it for Content-Length and Range checks).
//
// # Envelope keys (envelope.go, keyfile.go)
//
// Data keys are stored only wrapped by a key-encryption key (KEK) behind the KeyProvider
// interface. FileKeyProvider keeps versioned random KEKs in a local JSON file; a cloud KMS can
// implement the same interface. Rotation adds a KEK version; Rewrap moves a wrapped data key to the
// current version without touching the ciphertext it protects. Destroying a recording's wrapped
// key makes every copy of its ciphertext unreadable (crypto-shredding).
//
// # Small values and lookups (seal.go, blindindex.go)
//
// SealString/OpenString encrypt short values such as the other party's phone number (under the
// recording's data key, so crypto-shredding the recording shreds the number too). BlindIndex gives
// the keyed hash of a phone number normalised to E.164, for exact-match searches that do not
// need the number in clear.
//
// Errors never contain key material, plaintext or phone numbers.
package crypt
