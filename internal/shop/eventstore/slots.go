package eventstore

import "strings"

// hashTag is what Redis Cluster hashes of key: the part between the first
// "{" and the next "}" if that is not empty, else the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// oneSlot reports whether keys hash alike (the same hash tag, so one
// slot). Keys with different tags may still share a slot by chance; they
// count as several here, which only costs a split that was not needed.
func oneSlot(keys []string) bool {
	for _, k := range keys {
		if hashTag(k) != hashTag(keys[0]) {
			return false
		}
	}
	return true
}

// commandKeys are the keys a Command's script touches: its claim, guards,
// released keys and streams.
func commandKeys(cmd Command, streams []string) []string {
	var keys []string
	if cmd.Claim != nil {
		keys = append(keys, cmd.Claim.Key)
	}
	for _, gd := range cmd.Guards {
		keys = append(keys, gd.Key)
	}
	keys = append(keys, cmd.Release...)
	return append(keys, streams...)
}
