package model

// The shop's functions: each name is a consumer group on the streams it
// reads, and the name its process runs under (functions/<name>).
const (
	// FunctionProjector keeps the read model; the gateway waits on it for
	// read-your-writes.
	FunctionProjector = "projector"
	// FunctionInventory decides orders and keeps the stock; the gateway
	// waits on it before it answers about orders and stock.
	FunctionInventory = "inventory"
	// FunctionBilling asks for and confirms payments.
	FunctionBilling = "billing"
	// FunctionCRM sends the welcome, good-bye and thank-you mails.
	FunctionCRM = "crm"
	// FunctionMailer delivers mail.
	FunctionMailer = "mailer"
)

// Functions returns every function of the shop, in a fixed order.
func Functions() []string {
	return []string{FunctionProjector, FunctionInventory, FunctionBilling, FunctionCRM, FunctionMailer}
}
