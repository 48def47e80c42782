import type { DepositRequest, DepositResponse } from '@flotilla/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IDEMPOTENCY_HEADER, paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';
import { accountQueryKey, setBalance } from '../../account/api/account';
import { historyQueryKey } from '../../history/api/history';

export interface DepositSubmission {
  request: DepositRequest;
  idempotencyKey: string;
}

export function createDeposit({ request, idempotencyKey }: DepositSubmission): Promise<DepositResponse> {
  return apiRequest<DepositResponse>(paths.deposits, {
    method: 'POST',
    body: request,
    headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
  });
}

export function useCreateDeposit() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createDeposit,
    onSuccess: async (deposit) => {
      setBalance(queryClient, deposit.balanceAfter, deposit.createdAt);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: historyQueryKey }),
        queryClient.invalidateQueries({ queryKey: accountQueryKey }),
      ]);
    },
  });
}
