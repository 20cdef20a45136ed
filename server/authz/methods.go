package authz

import (
	"google.golang.org/grpc/health/grpc_health_v1"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// Methods is the single table of which roles may call which method. A method
// that is not listed is refused to everyone: a new RPC is closed until it is
// added here (a test checks that every registered method is listed).
var Methods = map[string][]Role{
	ttpv1.CodingService_Code_FullMethodName:       {Broker},
	ttpv1.CodingService_CodeStream_FullMethodName: {Broker},

	ttpv1.AdminService_CreateDomain_FullMethodName:    {Operator},
	ttpv1.AdminService_ListDomains_FullMethodName:     {Operator},
	ttpv1.AdminService_DescribeDomain_FullMethodName:  {Operator},
	ttpv1.AdminService_RotateDomainKey_FullMethodName: {Operator},
	ttpv1.AdminService_UpdateDomain_FullMethodName:    {Operator},
	// Clerical review of the person index is TTP staff's work.
	ttpv1.AdminService_ListReviewItems_FullMethodName:   {Operator},
	ttpv1.AdminService_ResolveReviewItem_FullMethodName: {Operator},
	ttpv1.AdminService_SplitRecord_FullMethodName:       {Operator},
	ttpv1.AdminService_RecordHistory_FullMethodName:     {Operator},
	// The person index's model: estimated, compared and activated by TTP
	// staff.
	ttpv1.AdminService_EstimateLinkageModel_FullMethodName: {Operator},
	ttpv1.AdminService_ActivateLinkageModel_FullMethodName: {Operator},
	ttpv1.AdminService_ListLinkageModels_FullMethodName:    {Operator},
	// Recipients' sealing keys: public keys, registered by TTP staff.
	ttpv1.AdminService_RegisterRecipientKey_FullMethodName: {Operator},
	ttpv1.AdminService_ListRecipientKeys_FullMethodName:    {Operator},

	// Oblivious coding is coding: brokers only (and only into the domains
	// that list them). A recipient key is public; whoever seals to it or
	// receives under it may read it.
	ttpv1.ObliviousService_GetPublicKey_FullMethodName:    {Broker},
	ttpv1.ObliviousService_Evaluate_FullMethodName:        {Broker},
	ttpv1.ObliviousService_EvaluateStream_FullMethodName:  {Broker},
	ttpv1.ObliviousService_GetRecipientKey_FullMethodName: {Broker, Registry, Researcher},

	// A broker registers its institution's records; recipients of a domain
	// (brokers and registries listed on it) follow merges and splits.
	ttpv1.LinkageService_Register_FullMethodName:          {Broker},
	ttpv1.LinkageService_RegisterStream_FullMethodName:    {Broker},
	ttpv1.LinkageService_ListPersonChanges_FullMethodName: {Broker, Registry, Researcher},
	// A broker withdraws records its organisation registered, and registers
	// (and withdraws) its patients' objections.
	ttpv1.LinkageService_WithdrawRecords_FullMethodName:    {Broker},
	ttpv1.LinkageService_RegisterObjections_FullMethodName: {Broker},

	// Deliveries (DESIGN §6): a registry files a linkage request and
	// converts under it; the committee approves or rejects; the recipient
	// (a researcher) fetches the key that opens what it receives. Who may
	// see a request is decided per request (requests.MaySee).
	ttpv1.DeliveryService_CreateLinkageRequest_FullMethodName:  {Registry},
	ttpv1.DeliveryService_SubmitLinkageRequest_FullMethodName:  {Registry},
	ttpv1.DeliveryService_CloseLinkageRequest_FullMethodName:   {Registry},
	ttpv1.DeliveryService_ApproveLinkageRequest_FullMethodName: {Committee},
	ttpv1.DeliveryService_RejectLinkageRequest_FullMethodName:  {Committee},
	ttpv1.DeliveryService_GetLinkageRequest_FullMethodName:     {Registry, Researcher, Committee, Operator},
	ttpv1.DeliveryService_ListLinkageRequests_FullMethodName:   {Registry, Researcher, Committee, Operator},
	ttpv1.DeliveryService_ConvertStream_FullMethodName:         {Registry},
	ttpv1.DeliveryService_GetDeliveryKey_FullMethodName:        {Researcher},
	// Re-identification through the data holder: a registry asks (the
	// committee approves with ApproveLinkageRequest); the hospitals'
	// brokers fetch their own patients.
	ttpv1.DeliveryService_CreateReidRequest_FullMethodName: {Registry},
	ttpv1.DeliveryService_GetReidAnswers_FullMethodName:    {Broker},

	// The audit log's checkpoints and proofs are for the supervisory
	// committee, who check the log, and for TTP staff.
	ttpv1.AuditService_GetCheckpoint_FullMethodName:    {Committee, Operator},
	ttpv1.AuditService_ProveConsistency_FullMethodName: {Committee, Operator},
	ttpv1.AuditService_ProveInclusion_FullMethodName:   {Committee, Operator},
	ttpv1.AuditService_ProveRange_FullMethodName:       {Committee, Operator},

	// Health tells any authenticated caller whether the server serves.
	grpc_health_v1.Health_Check_FullMethodName: AllRoles,
	grpc_health_v1.Health_Watch_FullMethodName: AllRoles,
	grpc_health_v1.Health_List_FullMethodName:  AllRoles,

	// Reflection is registered in dev mode only; even then it shows the API
	// to operators alone.
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {Operator},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {Operator},
}
