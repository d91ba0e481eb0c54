// Finance & Operations' SalesOrderHeadersV2 as far as the agent uses it, served by SAP CAP.
// Storage and service are split so the write log's trigger sits on a table the service
// cannot bypass.

type d365.SalesStatus : String(20) enum { Backorder; Delivered; Invoiced; Canceled; };

entity d365.SalesOrderHeaders {
  key dataAreaId                  : String(4);
  key SalesOrderNumber            : String(20);
      SalesOrderName              : String(60);
      SalesOrderStatus            : d365.SalesStatus @assert.range;
      RequestedShippingDate       : Date;
      RequestedReceiptDate        : Date;
      DeliveryModeCode            : String(10);
      CustomerRequisitionNumber   : String(20);
      CustomersOrderReference     : String(20);
      OrderingCustomerAccountNumber : String(20);
      DeliveryAddressName         : String(60);
      // A new UUID on every write: CAP renews a UUID ETag element itself on each UPDATE.
      RowVersion                  : UUID @odata.etag;
      ModifiedBy                  : String(100) @cds.on.insert: $user @cds.on.update: $user;
      ModifiedDateTime            : Timestamp   @cds.on.insert: $now  @cds.on.update: $now;
}

@path: '/data'
@requires: 'authenticated-user'
service Microsoft.Dynamics.DataEntities {
  entity SalesOrderHeadersV2 as projection on d365.SalesOrderHeaders;
}
