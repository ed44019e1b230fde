// Counters. Dropped datagrams are counted, never thrown about: the counts are how tests and the
// benchmark see forged traffic being ignored and how much the reliability layer had to repeat.

/** Per transfer, per side. */
export interface TransferStats {
  datagramsSent: number;
  datagramsReceived: number;
  /** payload bytes of DATA datagrams sent, retransmissions included */
  dataBytesSent: number;
  retransmittedDatagrams: number;
  retransmittedBytes: number;
  /** DATA the receiver already had */
  duplicates: number;
  /** DATA beyond the receiver's window (flow control violated, or a stale retransmission) */
  outOfWindow: number;
  /** datagrams that failed authentication (tampered, forged, or sealed under another key): dropped first */
  droppedUnauthenticated: number;
  /** authenticated datagrams that make no sense at this point (e.g. an ACK for chunks never sent) */
  droppedForged: number;
  droppedWrongSource: number;
  droppedMalformed: number;
  acksSent: number;
  timeouts: number;
}

export function emptyTransferStats(): TransferStats {
  return {
    datagramsSent: 0,
    datagramsReceived: 0,
    dataBytesSent: 0,
    retransmittedDatagrams: 0,
    retransmittedBytes: 0,
    duplicates: 0,
    outOfWindow: 0,
    droppedUnauthenticated: 0,
    droppedForged: 0,
    droppedWrongSource: 0,
    droppedMalformed: 0,
    acksSent: 0,
    timeouts: 0,
  };
}

/** Per endpoint (the shared listening socket): datagrams that never reached a transfer. */
export interface EndpointCounters {
  datagramsReceived: number;
  /** undecodable: bad magic, version, type or length */
  malformed: number;
  /** connection id of no transfer we expect: forged, stray or stale */
  unknownTransfer: number;
  /** a known transfer's connection id, but the datagram failed authentication (tampered, forged, replayed from another transfer) */
  unauthenticated: number;
  /** authenticated, but not from the announced presenter address / locked port */
  wrongSource: number;
  /** datagram types an audience socket never expects (e.g. an ACK) */
  unexpected: number;
}

export function emptyEndpointCounters(): EndpointCounters {
  return {
    datagramsReceived: 0,
    malformed: 0,
    unknownTransfer: 0,
    unauthenticated: 0,
    wrongSource: 0,
    unexpected: 0,
  };
}
