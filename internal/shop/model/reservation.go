package model

// Reservation states: what an order holds of the stock, as the inventory
// function's stock reports it after reserving or releasing.
const (
	// Reserved: the order holds its units.
	Reserved = "reserved"
	// Rejected: the stock could not cover the order; it holds nothing.
	Rejected = "rejected"
	// Released: the order was deleted and gave its units back, for good.
	Released = "released"
)
