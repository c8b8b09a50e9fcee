package partition

// Redis Cluster hash slots: a key's slot is CRC16 (XMODEM) of its hash tag
// (the part between the first '{' and the next '}', when not empty) or of
// the whole key, modulo 16384, as the Cluster specification defines it and
// CLUSTER KEYSLOT computes it. Partition p's keys, all tagged {p<p>}, share
// Slot("p<p>").

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = 16384

// HashTag returns the part of key that decides its slot: its hash tag, or
// the whole key when it has none.
func HashTag(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j == i+1 {
					return key // "{}" is no tag
				}
				return key[i+1 : j]
			}
		}
		return key
	}
	return key
}

// Slot returns the Redis Cluster hash slot of key.
func Slot(key string) int { return int(crc16(HashTag(key)) % SlotCount) }

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0).
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
