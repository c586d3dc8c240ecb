/** `rook/discoverServers`: the model servers running on this machine's loopback interface, for the engine picker. */
import type { Connection, ServerCapabilities } from 'vscode-languageserver';
import { discoverLocalServers } from '../../discovery/localServers';
import { discoverServersRequest } from '../../protocol/contract';
import { byName, parseDiscoverServersParams } from '../params';
import type { Feature } from './feature';

export class DiscoveryFeature implements Feature {
  initialize(connection: Connection): ServerCapabilities {
    connection.onRequest(
      discoverServersRequest,
      byName('rook/discoverServers', (raw) => {
        const { ports } = parseDiscoverServersParams(raw);
        return discoverLocalServers(ports);
      }),
    );
    return {};
  }
}
